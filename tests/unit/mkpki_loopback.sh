#!/bin/sh
# mkpki_loopback.sh DIR CRL_PORT — a throw-away PKI for test_app: a server on 127.0.0.1 that
# passes every check tlspath makes (trusted chain, IP name, a CRL that says "good"), so the
# whole `tlspath run` can be driven in-process against loopback peers. The openssl CLI
# writes it because mbedTLS 2.28 cannot write CRLs.
#
#   ca.pem / ca.key     "CN=tlspath app test CA" (self-signed, no CDP: nothing to fetch for it)
#   leaf.pem / leaf.key CN=127.0.0.1, IP SAN 127.0.0.1, serial 0x2001,
#                       CDP http://127.0.0.1:CRL_PORT/ca.crl
#   chain.pem           leaf then CA: what the origin presents
#   ca.crl.pem          the CA's CRL: revokes 0x2002 only (so 0x2001 is "good"), 30 days
set -eu
D=$1
PORT=$2
cd "$D"
cat > openssl.cnf <<CNF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
crlDistributionPoints = URI:http://127.0.0.1:$PORT/ca.crl
[ ca ]
default_ca = ca_root
[ ca_root ]
database = index.txt
new_certs_dir = .
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_crl_days = 30
CNF
export OPENSSL_CONF="$D/openssl.cnf"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -new -x509 -key ca.key -subj "/CN=tlspath app test CA/O=tlspath lab" -days 3650 \
    -set_serial 1 -extensions v3_ca -out ca.pem 2>/dev/null
key leaf.key
openssl req -new -key leaf.key -subj "/CN=127.0.0.1/O=tlspath lab" -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x2001 -days 365 \
    -extfile openssl.cnf -extensions v3_leaf -out leaf.pem 2>/dev/null
cat leaf.pem ca.pem > chain.pem
printf 'R\t300101000000Z\t240101000000Z\t2002\tunknown\t/CN=gone/O=tlspath lab\n' > index.txt
openssl ca -gencrl -out ca.crl.pem 2>/dev/null
echo ok > done
