#!/usr/bin/env bash
# ikesteer's etcd client (frontend/etcd/) against one real etcd on loopback, no root needed:
# etcd_client_check runs its checks (put, range, txn both ways, erase, leases and their expiry,
# status, watches live, replayed and cancelled, endpoint failover, dead endpoints within the
# deadline) once over HTTP and once over HTTPS with client certificates, where it also checks
# that a wrong CA, a certificate naming another address, and no client certificate are refused.
# The certificates are made here with openssl: a CA, a server certificate for IP 127.0.0.1, a
# client certificate, and a second CA that signed nothing etcd knows.
# Usage: etcd_client.sh --check PATH (the etcd_client_check binary)
# Packages: etcd-server, etcd-client (Debian 12: etcd 3.4.23), openssl, python3.
set -euo pipefail

check=""
while (($#)); do
  case $1 in
    --check) check=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x $check ]] || { echo "usage: $0 --check PATH" >&2; exit 2; }
for tool in etcd openssl python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d /tmp/ikesteer-etcd.XXXXXX)
etcd_pid=""
cleanup() {
  # etcd exits with 143 on SIGTERM.
  if [[ -n $etcd_pid ]]; then kill "$etcd_pid" 2>/dev/null && { wait "$etcd_pid" 2>/dev/null || true; }; fi
  if [[ ${failed:-0} == 1 || -n ${IT_VERBOSE:-} ]]; then
    echo "--- etcd log (last 30 lines)"
    tail -n 30 "$work/etcd.log" 2>/dev/null
  fi
  [[ -n ${IT_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail() { failed=1; echo "FAIL: $*" >&2; exit 1; }

# Free loopback ports: bound to port 0 by the kernel, then released for etcd (client HTTP,
# client HTTPS, peer) and for a port nothing listens on.
read -r http_port https_port peer_port dead_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

# make_cert <name> <issuer name> <subject> <extensions>: a P-256 key and a certificate.
make_cert() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$work/$1-key.pem" -out "$work/$1.csr" 2>/dev/null
  printf '%s\n' "$4" >"$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2-key.pem" \
    -CAcreateserial -days 2 -extfile "$work/$1.ext" -out "$work/$1.pem" 2>/dev/null
}
for ca in ca wrong-ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=ikesteer test $ca" -keyout "$work/$ca-key.pem" -out "$work/$ca.pem" 2>/dev/null
done
# clientAuth too: etcd's gateway dials etcd's own gRPC port with the server certificate as its
# client certificate, which --client-cert-auth checks ("connection closed", code 14, without).
make_cert server ca etcd "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
make_cert client ca ikesteer "extendedKeyUsage=clientAuth"

# HTTPS on 127.0.0.2 as well: the same certificate, which does not name that address.
etcd --name it --data-dir "$work/data" \
  --listen-client-urls "http://127.0.0.1:$http_port,https://127.0.0.1:$https_port,https://127.0.0.2:$https_port" \
  --advertise-client-urls "http://127.0.0.1:$http_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "it=http://127.0.0.1:$peer_port" \
  --cert-file "$work/server.pem" --key-file "$work/server-key.pem" \
  --trusted-ca-file "$work/ca.pem" --client-cert-auth >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$http_port/health', timeout=1)" \
    2>/dev/null && break
  kill -0 "$etcd_pid" 2>/dev/null || fail "etcd exited"
  sleep 0.1
done

export ETCD_DEAD_PORT=$dead_port ETCD_TLS_DIR=$work
ETCD_MODE=http ETCD_PORT=$http_port "$check" || fail "over HTTP"
ETCD_MODE=https ETCD_PORT=$https_port "$check" || fail "over HTTPS"
echo "ok: etcd client over HTTP and HTTPS"
