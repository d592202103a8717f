#!/bin/sh
# mkpki.sh DIR — a throw-away test PKI for test_x509 / test_crl / test_verdict.
# Everything is generated at test time with the openssl CLI (mbedTLS cannot write CRLs).
#
#   root.pem            "CN=TP Test Root, O=tlspath lab" (self-signed CA)
#   int.pem             "CN=TP Test Intermediate, O=tlspath lab", issued by root,
#                       CDP http://crl.lab.test/root.crl, AIA caIssuers http://crl.lab.test/root.crt
#   good.pem            leaf good.lab.test, serial 1001, CDP http://crl.lab.test/int.crl,
#                       AIA OCSP http://ocsp.lab.test/ + caIssuers http://crl.lab.test/int.crt
#   revoked.pem         leaf revoked.lab.test, serial 1002, same CDP — revoked in int.crl
#   mitm.pem            "CN=Corp Inspection CA, O=Contoso Proxy" (self-signed CA)
#   mitm-leaf.pem       leaf good.lab.test re-signed by mitm (no CDP/AIA, like squid ssl-bump)
#   other.pem           an unrelated CA ("CN=Other CA, O=elsewhere")
#   int.crl.der/.pem    CRL of int: revokes 1002, nextUpdate in 30 days
#   root.crl.der        CRL of root: empty
#   int-expired.crl.der nextUpdate in 2021
#   int-future.crl.der  thisUpdate in 2099
#   int-critical.crl.der  carries a critical issuingDistributionPoint (mbedTLS rejects it)
#   int-badsig.crl.der  int.crl.der with its signature's last byte flipped
#   other.crl.der       CRL signed by other (issuer mismatch for int's certificates)
#   garbage.crl         not a CRL
set -eu
D=$1
cd "$D"

cat > openssl.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.lab.test/root.crl
authorityInfoAccess = caIssuers;URI:http://crl.lab.test/root.crt
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:good.lab.test
crlDistributionPoints = URI:http://crl.lab.test/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp.lab.test/, caIssuers;URI:http://crl.lab.test/int.crt
[ v3_mitm_leaf ]
basicConstraints = CA:FALSE
subjectAltName = DNS:good.lab.test
[ ca ]
default_ca = ca_int
[ ca_int ]
database = index.txt
new_certs_dir = .
certificate = int.pem
private_key = int.key
default_md = sha256
default_crl_days = 30
crl_extensions = crl_plain
[ ca_other ]
database = index-other.txt
new_certs_dir = .
certificate = other.pem
private_key = other.key
default_md = sha256
default_crl_days = 30
[ ca_root ]
database = index-root.txt
new_certs_dir = .
certificate = root.pem
private_key = root.key
default_md = sha256
default_crl_days = 30
[ crl_plain ]
authorityKeyIdentifier = keyid:always
[ crl_critical ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp
[ idp ]
fullname = URI:http://crl.lab.test/int.crl
CNF
export OPENSSL_CONF="$D/openssl.cnf"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
selfsigned() { # name subject serial
    key "$1.key"
    openssl req -new -x509 -key "$1.key" -subj "$2" -days 3650 -set_serial "$3" \
        -extensions v3_ca -out "$1.pem" 2>/dev/null
}
issue() { # name subject serial issuer ext
    key "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -set_serial "$3" -days 365 \
        -extfile openssl.cnf -extensions "$5" -out "$1.pem" 2>/dev/null
}

selfsigned root "/CN=TP Test Root/O=tlspath lab" 0x01
issue int "/CN=TP Test Intermediate/O=tlspath lab" 0x0100 root v3_int
issue good "/CN=good.lab.test/O=tlspath lab" 0x1001 int v3_leaf
issue revoked "/CN=revoked.lab.test/O=tlspath lab" 0x1002 int v3_leaf
selfsigned mitm "/CN=Corp Inspection CA/O=Contoso Proxy" 0x77
issue mitm-leaf "/CN=good.lab.test/O=tlspath lab" 0x7701 mitm v3_mitm_leaf
selfsigned other "/CN=Other CA/O=elsewhere" 0x99

SUBJ_REV=$(openssl x509 -in revoked.pem -noout -subject -nameopt compat | sed 's/^subject=//')
printf 'R\t300101000000Z\t240101000000Z\t1002\tunknown\t%s\n' "$SUBJ_REV" > index.txt
: > index-other.txt
: > index-root.txt

crl() { # out-basename ca-section [extra args...]
    out=$1; sect=$2; shift 2
    openssl ca -name "$sect" -gencrl -out "$out.pem" "$@" 2>/dev/null
    openssl crl -in "$out.pem" -outform DER -out "$out.der"
}
crl int.crl ca_int
crl root.crl ca_root
crl other.crl ca_other
crl int-expired.crl ca_int -crl_lastupdate 200101000000Z -crl_nextupdate 210101000000Z
crl int-future.crl ca_int -crl_lastupdate 20990101000000Z -crl_nextupdate 20991231000000Z
crl int-critical.crl ca_int -crlexts crl_critical

# Flip the last byte (inside the signature BIT STRING): still parses, no longer verifies.
python3 - <<'PY' 2>/dev/null || { cp int.crl.der int-badsig.crl.der; printf '\377' | dd of=int-badsig.crl.der bs=1 seek=$(($(wc -c < int.crl.der) - 1)) conv=notrunc 2>/dev/null; }
b = bytearray(open("int.crl.der", "rb").read())
b[-1] ^= 0xFF
open("int-badsig.crl.der", "wb").write(bytes(b))
PY
printf 'this is not a CRL\n' > garbage.crl
echo ok > done
