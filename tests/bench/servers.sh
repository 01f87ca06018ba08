# SPDX-License-Identifier: MIT
# The two servers of bench.sh: their configurations (the same bytes, the
# same allow-list) and their start-up. Sourced after lib.sh.

# certpost_conf NAME ACCESS_LOG(yes|no) PORT LOGFILE [THREADS [HTTPS_PORT
# LEAF]]: LEAF names $dir/leaf-LEAF.pem and .key; TLS keeps certpost's
# defaults (its TLS floor, session tickets on).
certpost_conf() {
	local tls=""
	[ -z "${6:-}" ] || tls="https_listen = 127.0.0.1:$6
tls_cert = $dir/leaf-$7.pem
tls_key = $dir/leaf-$7.key"
	cat >"$dir/$1" <<EOF
[server]
listen = 127.0.0.1:$3
$tls
threads = ${5:-1}
; wrk opens up to 256 connections from one address; the default per-IP
; limit (32) would refuse most of them, and nginx has no such limit.
max_connections = 4096
max_connections_per_ip = 4096

[log]
access_log = $2
file = $4

[ca "bench-root"]
name = Bench Root
file = $dir/ca.pem

[access]
allow = 127.0.0.1/32
deny = drop
EOF
}

# Turns a header dump into nginx add_header lines: the same headers
# certpost sends (nginx makes its own Date, ETag, Content-*, Server).
mirror_headers() {
	tr -d '\r' <"$1" | awk -F': ' '
	NR == 1 || NF < 2 { next }
	tolower($1) ~ /^(date|etag|content-length|content-type|server|connection|keep-alive|vary)$/ { next }
	{
		v = substr($0, length($1) + 3)
		gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v)
		printf "\t\t\tadd_header %s \"%s\" always;\n", $1, v
	}'
}

# mirror_plain PORT: what the plain nginx serves, fetched from certpost
# (wrk sends no User-Agent: the same page variant).
mirror_plain() {
	curl -fsS -D "$dir/ca.headers" -o "$dir/ca.served" \
		"http://127.0.0.1:$1/ca.cer"
	curl -fsS -H 'User-Agent:' -D "$dir/page.headers" \
		-o "$dir/www/index.html" "http://127.0.0.1:$1/"
	cmp -s "$dir/ca.served" "$dir/ca.der" ||
		die "certpost's /ca.cer is not the test CA's DER"
}

# nginx_head ACCESS_LOG(on|off) WORKERS: what every nginx of the bench
# shares, up to its server blocks.
nginx_head() {
	local alog="access_log off;" user=""
	[ "$1" = on ] && alog="access_log $dir/nginx-access.log;"
	[ "$(id -u)" -eq 0 ] && user="user root;"
	cat <<EOF
$user
worker_processes $2;
error_log $dir/nginx-error.log crit;
events {
	worker_connections 4096;
}
http {
	$alog
	sendfile on;
	# Corked headers + body: one segment per response. Measured faster
	# than tcp_nopush off here despite two setsockopt() per response.
	tcp_nopush on;
	tcp_nodelay on;
	server_tokens off;
	keepalive_requests 100000;
	keepalive_timeout 65;
	open_file_cache max=64 inactive=600s;
	open_file_cache_valid 600s;
	open_file_cache_min_uses 1;
	open_file_cache_errors on;
	client_body_temp_path $dir/nginx-tmp/body;
	proxy_temp_path $dir/nginx-tmp/proxy;
	fastcgi_temp_path $dir/nginx-tmp/fastcgi;
	uwsgi_temp_path $dir/nginx-tmp/uwsgi;
	scgi_temp_path $dir/nginx-tmp/scgi;
EOF
}

# nginx_conf NAME ACCESS_LOG(on|off) PORT [WORKERS]
nginx_conf() {
	{
		nginx_head "$2" "${4:-1}"
		cat <<EOF
	server {
		listen 127.0.0.1:$3;
		allow 127.0.0.1;
		deny all;
		location = /ca.cer {
			alias $dir/ca.der;
			types {}
			default_type application/x-x509-ca-cert;
$(mirror_headers "$dir/ca.headers")
		}
		# "alias FILE" cannot serve a URI ending in "/" (nginx hands
		# it to the index module); try_files serves the one file.
		location = / {
			root $dir/www;
			try_files /index.html =404;
			types {}
			default_type "text/html; charset=utf-8";
			add_header Vary User-Agent always;
$(mirror_headers "$dir/page.headers")
		}
	}
}
EOF
	} >"$dir/$1"
}

# The device session's paths: what Safari fetches on a first visit to
# certpost's page (its icon, stylesheet and script elements), then the
# profile; and the User-Agent session_load sends (the page's iOS variant).
device_paths="/ /static/style.css /static/check.js /static/icon.svg /ca.mobileconfig"
device_ua="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

# make_leaf NAME openssl-genpkey-arguments...: $dir/leaf-NAME.pem and
# .key for 127.0.0.1, signed by the bench root ($dir/ca.key).
make_leaf() {
	local name=$1
	shift
	openssl genpkey "$@" -out "$dir/leaf-$name.key" 2>/dev/null
	chmod 600 "$dir/leaf-$name.key"
	openssl req -new -key "$dir/leaf-$name.key" -subj "/CN=127.0.0.1" \
		-out "$dir/leaf-$name.csr" 2>/dev/null
	printf '%s\n' "subjectAltName = IP:127.0.0.1" \
		"basicConstraints = critical, CA:FALSE" \
		"keyUsage = critical, digitalSignature, keyEncipherment" \
		"extendedKeyUsage = serverAuth" >"$dir/leaf.ext"
	openssl x509 -req -in "$dir/leaf-$name.csr" -CA "$dir/ca.pem" \
		-CAkey "$dir/ca.key" -CAcreateserial -days 30 -sha256 \
		-extfile "$dir/leaf.ext" -out "$dir/leaf-$name.pem" 2>/dev/null
}

# mirror_device PORT: fetches /ca.cer and every device path from certpost
# once, bytes and headers (as session_load asks), into $dir/dev/, and
# writes nginx locations serving them alike to $dir/device-locations.conf.
# Where certpost has a gzip form (Safari takes it: session_load asks as
# Safari does), nginx serves the same compressed bytes with gzip_static,
# as an admin who precompresses would: no compression per request on
# either side.
mirror_device() {
	local path f ct vary gz
	mkdir -p "$dir/dev"
	: >"$dir/device-locations.conf"
	for path in /ca.cer $device_paths; do
		f=$(tr '/.' '__' <<<"$path")
		curl -fsS -A "$device_ua" -D "$dir/dev/$f.headers" \
			-o "$dir/dev/$f" "http://127.0.0.1:$1$path"
		curl -fsS -A "$device_ua" -H "Accept-Encoding: gzip" \
			-D "$dir/dev/$f.gz.headers" -o "$dir/dev/$f.gz" \
			"http://127.0.0.1:$1$path"
		gz=off
		if tr -d '\r' <"$dir/dev/$f.gz.headers" |
			grep -qi '^content-encoding: gzip$'; then
			gz=on
		else
			rm -f "$dir/dev/$f.gz"
		fi
		ct=$(tr -d '\r' <"$dir/dev/$f.headers" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
		vary=$(tr -d '\r' <"$dir/dev/$f.headers" | sed -n 's/^[Vv]ary: //p')
		{
			# try_files: "alias FILE" cannot serve a URI ending in "/".
			echo "location = $path {"
			echo "	root $dir/dev; try_files /$f =404;"
			echo "	gzip_static $gz;"
			echo "	types {} default_type \"$ct\";"
			[ -z "$vary" ] || echo "	add_header Vary \"$vary\" always;"
			mirror_headers "$dir/dev/$f.headers"
			echo "}"
		} >>"$dir/device-locations.conf"
	done
}

# nginx_tls_conf NAME ACCESS_LOG PLAIN_PORT TUNED_PORT DEFAULT_PORT LEAF:
# the device files over HTTP, and over TLS with certpost's floor (TLS 1.2
# and 1.3, the same AEAD-only suites in the same order, X25519 first),
# once "tuned" (a shared session cache and tickets, as the issue measured)
# and once with nginx's defaults for resumption (no session cache;
# tickets on, with keys made at start), as Debian's nginx.conf leaves it.
nginx_tls_conf() {
	local acl="allow 127.0.0.1; deny all; include $dir/device-locations.conf;"
	local tls="ssl_certificate $dir/leaf-$6.pem;
		ssl_certificate_key $dir/leaf-$6.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
		ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
		ssl_ecdh_curve X25519:prime256v1:secp384r1;
		ssl_prefer_server_ciphers on;"
	{
		nginx_head "$2" 1
		cat <<EOF
	server {
		listen 127.0.0.1:$3;
		$acl
	}
	server {
		listen 127.0.0.1:$4 ssl;
		$tls
		ssl_session_cache shared:SSL:1m;
		ssl_session_tickets on;
		$acl
	}
	server {
		listen 127.0.0.1:$5 ssl;
		$tls
		$acl
	}
}
EOF
	} >"$dir/$1"
}

cp_pid="" ng_pid="" ng_worker="" ng_workers=""

# start_certpost CONFIG PORT [OUTPUT [CPUS]]: OUTPUT takes its stdout and
# stderr.
start_certpost() {
	local out=${3:-$dir/certpost.out}
	taskset -c "${4:-$SERVER_CPU}" "$bin" --config "$dir/$1" >>"$out" 2>&1 &
	cp_pid=$!
	pids+=("$cp_pid")
	wait_http "$2" /healthz "$cp_pid" ||
		die "certpost did not start: $(tail -5 "$out")"
}

# start_nginx CONFIG PORT [CPUS]: ng_worker is its (first) worker,
# ng_workers all of them.
start_nginx() {
	taskset -c "${3:-$SERVER_CPU}" "$nginx_bin" -p "$dir/" -c "$dir/$1" \
		-g "daemon off; pid $dir/nginx.pid;" >>"$dir/nginx.out" 2>&1 &
	ng_pid=$!
	pids+=("$ng_pid")
	wait_http "$2" /ca.cer "$ng_pid" ||
		die "nginx did not start: $(tail -5 "$dir/nginx.out" "$dir/nginx-error.log")"
	ng_workers=$(pgrep -P "$ng_pid" | tr '\n' ' ')
	ng_worker=${ng_workers%% *}
	[ -n "$ng_worker" ] || die "no nginx worker process"
}
