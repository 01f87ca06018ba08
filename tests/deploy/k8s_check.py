#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Usage: k8s_check.py DEPLOY_DIR CERTPOST_BINARY

Reads deploy/k8s/*.yaml and deploy/Containerfile and checks that they parse
and agree with each other: names, labels, ports, user, the hardening the
Deployment promises, and that the ConfigMap's certpost.conf passes
`certpost --check-config` (with a generated CA in place of ca.pem).
Exit 77 = skipped (no PyYAML or openssl), 99 = harness error.
"""
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("k8s_check: python3 yaml module missing; skipped")
    sys.exit(77)

failed = False


def check(cond, what):
    global failed
    print(("ok: " if cond else "not ok: ") + what)
    if not cond:
        failed = True
    return cond


def load(k8s):
    docs = {}
    for name in sorted(os.listdir(k8s)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(k8s, name), encoding="utf-8") as f:
            try:
                loaded = [d for d in yaml.safe_load_all(f) if d is not None]
            except yaml.YAMLError as e:
                check(False, f"{name} parses: {e}")
                continue
        check(len(loaded) == 1, f"{name} holds one object")
        docs[name] = loaded[0]
    return docs


def check_objects(docs):
    for name, d in docs.items():
        if d.get("kind") == "Kustomization":
            continue
        meta = d.get("metadata", {})
        check(d.get("apiVersion") and d.get("kind") and meta.get("name"),
              f"{name}: apiVersion, kind and metadata.name set")
        check("namespace" not in meta, f"{name}: no namespace")
        check(meta.get("labels", {}).get("app.kubernetes.io/name")
              == "certpost", f"{name}: labelled app.kubernetes.io/name")
    kust = docs.get("kustomization.yaml", {})
    listed = set(kust.get("resources", []))
    check(listed == set(docs) - {"kustomization.yaml", "secret.yaml"},
          "kustomization.yaml lists every manifest but secret.yaml")


def by_kind(docs, kind):
    return [d for d in docs.values() if d.get("kind") == kind]


def check_deployment(docs):
    dep = by_kind(docs, "Deployment")[0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check(spec.get("replicas") == 2, "Deployment: 2 replicas")
    check(spec["selector"]["matchLabels"].items() <= labels.items(),
          "Deployment: selector matches the pod labels")
    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, "pod: runAsNonRoot")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
          "pod: seccompProfile RuntimeDefault")
    c = pod["containers"][0]
    sc = c.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    check(sc.get("allowPrivilegeEscalation") is False,
          "allowPrivilegeEscalation false")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"],
          "capabilities: drop ALL, add none")
    check("add" not in sc.get("capabilities", {}), "no capability added")
    res = c.get("resources", {})
    check(res.get("requests", {}).get("memory")
          and res.get("limits", {}).get("memory"), "memory request and limit")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        get = c.get(probe, {}).get("httpGet", {})
        port = ports.get(get.get("port"), get.get("port"))
        check(get.get("path") == "/healthz" and port == 8080,
              f"{probe}: GET /healthz on 8080")
    names = {d["metadata"]["name"] for d in docs.values()
             if d.get("kind") in ("ConfigMap", "Secret")}
    for v in pod.get("volumes", []):
        for src in v.get("projected", {}).get("sources", []):
            for kind in ("configMap", "secret"):
                if kind in src:
                    ref = src[kind]["name"]
                    check(ref in names, f"volume source {ref} is defined")
    return dep, ports, labels, psc


def check_service_policy(docs, ports, labels):
    svc = by_kind(docs, "Service")[0]["spec"]
    check(svc["selector"].items() <= labels.items(),
          "Service selects the pods")
    for p in svc["ports"]:
        tp = ports.get(p["targetPort"], p["targetPort"])
        check(tp == 8080, f"Service port {p['port']} targets 8080")
    np = by_kind(docs, "NetworkPolicy")[0]["spec"]
    check(np["podSelector"]["matchLabels"].items() <= labels.items(),
          "NetworkPolicy selects the pods")
    for rule in np.get("ingress", []):
        check([p.get("port") for p in rule.get("ports", [])] == [8080],
              "NetworkPolicy: port 8080 only")
        for peer in rule.get("from", []):
            cidr = peer.get("ipBlock", {}).get("cidr")
            check(cidr is not None and
                  ipaddress.ip_network(cidr).is_private,
                  f"NetworkPolicy: peer {cidr} is an internal range")
    check(np.get("egress") == [] and "Egress" in np.get("policyTypes", []),
          "NetworkPolicy: no egress")


def check_containerfile(path, psc):
    text = open(path, encoding="utf-8").read()
    check(re.search(r"^EXPOSE 8080$", text, re.M), "Containerfile: EXPOSE 8080")
    user = re.search(r"^USER (\d+)", text, re.M)
    check(user and int(user.group(1)) == psc.get("runAsUser") != 0,
          "Containerfile: USER matches runAsUser, not root")
    check(re.search(r'^ENTRYPOINT \["/usr/sbin/certpost", "--config", '
                    r'"/etc/certpost/certpost.conf"\]$', text, re.M),
          "Containerfile: ENTRYPOINT certpost --config")
    check(re.search(r"^HEALTHCHECK .*\\\n\s+CMD \[", text, re.M),
          "Containerfile: HEALTHCHECK")
    top = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        for src in line.split()[:-1]:
            check(os.path.exists(os.path.join(top, src)),
                  f"Containerfile: COPY source {src} exists")


def check_config(docs, binary):
    conf = by_kind(docs, "ConfigMap")
    text = [d["data"]["certpost.conf"] for d in conf
            if "certpost.conf" in d.get("data", {})][0]
    check(re.search(r"^listen = \[::\]:8080$", text, re.M),
          "certpost.conf listens on [::]:8080")
    with tempfile.TemporaryDirectory() as tmp:
        ca = os.path.join(tmp, "ca.pem")
        r = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", os.path.join(tmp, "key.pem"), "-out", ca,
             "-days", "30", "-subj", "/CN=k8s test root",
             "-addext", "basicConstraints=critical,CA:TRUE"],
            capture_output=True)
        if r.returncode != 0:
            print(r.stderr.decode(errors="replace"))
            sys.exit(99)
        path = os.path.join(tmp, "certpost.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("/etc/certpost/ca.pem", ca))
        r = subprocess.run([binary, "--check-config", "--config", path],
                           capture_output=True, text=True)
        if not check(r.returncode == 0,
                     "the ConfigMap's certpost.conf passes --check-config"):
            print(r.stdout + r.stderr)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 99
    deploy, binary = sys.argv[1], sys.argv[2]
    if shutil.which("openssl") is None:
        print("k8s_check: openssl not installed; skipped")
        return 77
    docs = load(os.path.join(deploy, "k8s"))
    if failed:
        return 1
    check_objects(docs)
    _, ports, labels, psc = check_deployment(docs)
    check_service_policy(docs, ports, labels)
    check_containerfile(os.path.join(deploy, "Containerfile"), psc)
    check_config(docs, binary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
