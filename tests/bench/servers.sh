# SPDX-License-Identifier: MIT
# The two servers of bench.sh: their configurations (the same bytes, the
# same allow-list) and their start-up. Sourced after lib.sh.

# certpost_conf NAME ACCESS_LOG(yes|no) PORT LOGFILE
certpost_conf() {
	cat >"$dir/$1" <<EOF
[server]
listen = 127.0.0.1:$3
threads = 1
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

# nginx_conf NAME ACCESS_LOG(on|off) PORT
nginx_conf() {
	local alog="access_log off;" user=""
	[ "$2" = on ] && alog="access_log $dir/nginx-access.log;"
	[ "$(id -u)" -eq 0 ] && user="user root;"
	cat >"$dir/$1" <<EOF
$user
worker_processes 1;
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
}

cp_pid="" ng_pid="" ng_worker=""

# start_certpost CONFIG PORT [OUTPUT]: OUTPUT takes its stdout and stderr.
start_certpost() {
	local out=${3:-$dir/certpost.out}
	taskset -c "$SERVER_CPU" "$bin" --config "$dir/$1" >>"$out" 2>&1 &
	cp_pid=$!
	pids+=("$cp_pid")
	wait_http "$2" /healthz "$cp_pid" ||
		die "certpost did not start: $(tail -5 "$out")"
}

start_nginx() {
	taskset -c "$SERVER_CPU" "$nginx_bin" -p "$dir/" -c "$dir/$1" \
		-g "daemon off; pid $dir/nginx.pid;" >>"$dir/nginx.out" 2>&1 &
	ng_pid=$!
	pids+=("$ng_pid")
	wait_http "$2" /ca.cer "$ng_pid" ||
		die "nginx did not start: $(tail -5 "$dir/nginx.out" "$dir/nginx-error.log")"
	ng_worker=$(pgrep -P "$ng_pid" | head -1)
	[ -n "$ng_worker" ] || die "no nginx worker process"
}
