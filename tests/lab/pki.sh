#!/bin/bash
# tests/lab/pki.sh DIR — makes the lab's test PKI with openssl 3.0 (called by tests/lab/up).
#
#   root.pem            "Lab Microsoft Root Certificate Authority 2011" (stands in for Microsoft's root)
#   inter.pem           "Lab Microsoft Secure Server CA 2011" (root-issued, CDP -> root CRL)
#   leaf/NAME.{crt,key,chain.pem}  one leaf per lab name (chain = leaf + intermediate)
#   crl/inter.crl       intermediate CRL: revokes the revoked.* leaf (nextUpdate +30 days)
#   crl/root.crl        root CRL (empty)
#   crl/badsig.crl      a CRL with the intermediate's name, signed by another key (badcrl.* CDP)
#   unknown-root.pem    a root nobody trusts (unknownroot.* leaf)
#   corp-ca.pem / corp-ca-bundle.pem   "Contoso Corp Inspection CA" for squid ssl-bump
#   pins.json           SPKI SHA-256 pins of root and intermediate ("sha256/<b64>")
# Nothing here is ever committed; the keys are throw-away.
set -euo pipefail
D=${1:?usage: pki.sh DIR}
mkdir -p "$D"/{leaf,crl,db}
cd "$D"

CRL_HOST=crl.microsoft.com
CRL_BLOCKED_HOST=www.microsoft.com
ROOT_CRL_URL="http://$CRL_HOST/pki/crl/products/LabMicRooCerAut2011.crl"
INTER_CRL_URL="http://$CRL_HOST/pki/mscorp/crl/LabMicSecSerCA2011.crl"
INTER_CRL_URL_BLOCKED="http://$CRL_BLOCKED_HOST/pkiops/crl/LabMicSecSerCA2011.crl"
BAD_CRL_URL="http://$CRL_HOST/pki/mscorp/crl/LabBadSig.crl"
ROOT_AIA_URL="http://$CRL_HOST/pki/certs/LabMicRooCerAut2011.crt"
INTER_AIA_URL="http://$CRL_HOST/pki/mscorp/LabMicSecSerCA2011.crt"

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# One openssl-ca config; the CA is chosen by -name, the extensions by -extensions.
cat > ca.cnf <<EOF
[ ca ]
default_ca = inter_ca
[ base ]
dir             = $D
new_certs_dir   = $D/db
default_md      = sha256
policy          = any
unique_subject  = no
copy_extensions = none
default_days    = 825
default_crl_days = 30
[ root_ca ]
database    = $D/db/root.index
serial      = $D/db/root.serial
crlnumber   = $D/db/root.crlnumber
certificate = $D/root.pem
private_key = $D/root.key
new_certs_dir = $D/db
default_md  = sha256
policy      = any
unique_subject = no
default_days = 3650
default_crl_days = 30
[ inter_ca ]
database    = $D/db/inter.index
serial      = $D/db/inter.serial
crlnumber   = $D/db/inter.crlnumber
certificate = $D/inter.pem
private_key = $D/inter.key
new_certs_dir = $D/db
default_md  = sha256
policy      = any
unique_subject = no
default_days = 825
default_crl_days = 30
[ fake_ca ]
database    = $D/db/fake.index
serial      = $D/db/fake.serial
crlnumber   = $D/db/fake.crlnumber
certificate = $D/fake-inter.pem
private_key = $D/fake-inter.key
new_certs_dir = $D/db
default_md  = sha256
policy      = any
unique_subject = no
default_crl_days = 30
[ unknown_ca ]
database    = $D/db/unknown.index
serial      = $D/db/unknown.serial
certificate = $D/unknown-root.pem
private_key = $D/unknown-root.key
new_certs_dir = $D/db
default_md  = sha256
policy      = any
unique_subject = no
default_days = 825
[ any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
[ v3_inter ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:$ROOT_CRL_URL
authorityInfoAccess    = caIssuers;URI:$ROOT_AIA_URL
extendedKeyUsage       = serverAuth, clientAuth
[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = \${ENV::LAB_SAN}
crlDistributionPoints  = URI:\${ENV::LAB_CDP}
authorityInfoAccess    = caIssuers;URI:$INTER_AIA_URL
[ v3_leaf_nocdp ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = \${ENV::LAB_SAN}
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
export LAB_SAN=DNS:unused LAB_CDP=http://unused/
for c in root inter fake unknown; do
  : > db/$c.index; echo 1000 > db/$c.crlnumber
  openssl rand -hex 8 | tr a-f A-F | sed 's/^/1A/' > db/$c.serial
done
CA="openssl ca -config ca.cnf -batch -notext"

# --- root (self-signed through openssl ca so it is in the root database) ---
key root.key
openssl req -new -config ca.cnf -key root.key -out root.csr \
  -subj "/C=US/O=Microsoft Corporation (tlspath lab)/CN=Lab Microsoft Root Certificate Authority 2011"
$CA -name root_ca -selfsign -keyfile root.key -in root.csr -out root.pem -extensions v3_root \
  -startdate 20200101000000Z -enddate 20451231000000Z 2>/dev/null

# --- intermediate ---
key inter.key
openssl req -new -config ca.cnf -key inter.key -out inter.csr \
  -subj "/C=US/O=Microsoft Corporation (tlspath lab)/CN=Lab Microsoft Secure Server CA 2011"
$CA -name root_ca -in inter.csr -out inter.pem -extensions v3_inter \
  -startdate 20200101000000Z -enddate 20401231000000Z 2>/dev/null

# --- a fake "intermediate": same name, other key, signs the bad CRL ---
key fake-inter.key
openssl req -new -x509 -config ca.cnf -key fake-inter.key -out fake-inter.pem -days 3650 \
  -subj "/C=US/O=Microsoft Corporation (tlspath lab)/CN=Lab Microsoft Secure Server CA 2011" 2>/dev/null

# --- the unknown root ---
key unknown-root.key
openssl req -new -x509 -config ca.cnf -key unknown-root.key -out unknown-root.pem -days 3650 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -subj "/C=US/O=Untrusted Lab Authority/CN=Lab Unknown Root CA" 2>/dev/null

# --- the corporate inspection CA (squid ssl-bump) ---
key corp-ca.key
openssl req -new -x509 -config ca.cnf -key corp-ca.key -out corp-ca.pem -days 3650 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -subj "/C=US/O=Contoso Ltd/OU=Network Security/CN=Contoso Corp Inspection CA" 2>/dev/null
cat corp-ca.pem corp-ca.key > corp-ca-bundle.pem

key leaf.key
# --- leaves: leaf NAME SAN-NAME CA EXT CDP [startdate enddate] ---
leaf() {
  local name=$1 san=$2 ca=$3 ext=$4 cdp=$5 start=${6:-} end=${7:-}
  cp leaf.key "leaf/$name.key"   # one throw-away key for every leaf (keygen is the slow part)
  openssl req -new -config ca.cnf -key "leaf/$name.key" -out "leaf/$name.csr" \
    -subj "/C=US/O=Microsoft Corporation (tlspath lab)/CN=$san"
  local dates=()
  [ -n "$start" ] && dates=(-startdate "$start" -enddate "$end")
  LAB_SAN="DNS:$san" LAB_CDP="$cdp" $CA -name "$ca" -in "leaf/$name.csr" -out "leaf/$name.crt" \
    -extensions "$ext" "${dates[@]}" 2>/dev/null
  if [ "$ca" = unknown_ca ]; then cat "leaf/$name.crt" unknown-root.pem > "leaf/$name.chain.pem"
  else cat "leaf/$name.crt" inter.pem > "leaf/$name.chain.pem"; fi
}
for n in unitedstates.cp.wd.microsoft.com europe.cp.wd.microsoft.com \
         edr-cus.us.endpoint.security.microsoft.com ussus1eastprod.blob.core.windows.net \
         settings-win.data.microsoft.com revoked.cp.wd.microsoft.com denied.cp.wd.microsoft.com \
         dropped.cp.wd.microsoft.com rejected.cp.wd.microsoft.com dualstack.cp.wd.microsoft.com; do
  leaf "$n" "$n" inter_ca v3_leaf "$INTER_CRL_URL"
done
leaf unitedkingdom.cp.wd.microsoft.com unitedkingdom.cp.wd.microsoft.com inter_ca v3_leaf "$INTER_CRL_URL_BLOCKED"
leaf badcrl.cp.wd.microsoft.com badcrl.cp.wd.microsoft.com inter_ca v3_leaf "$BAD_CRL_URL"
leaf expired.cp.wd.microsoft.com expired.cp.wd.microsoft.com inter_ca v3_leaf "$INTER_CRL_URL" \
  20240101000000Z 20250101000000Z
leaf wronghost.cp.wd.microsoft.com other.cp.wd.microsoft.com inter_ca v3_leaf "$INTER_CRL_URL"
leaf unknownroot.cp.wd.microsoft.com unknownroot.cp.wd.microsoft.com unknown_ca v3_leaf_nocdp ""
leaf default default.lab.invalid inter_ca v3_leaf "$INTER_CRL_URL"

# --- revoke one leaf, make the CRLs (DER, as CDPs serve them) ---
$CA -name inter_ca -revoke leaf/revoked.cp.wd.microsoft.com.crt -crl_reason keyCompromise 2>/dev/null
$CA -name inter_ca -gencrl -crldays 30 -crlexts crl_ext -out crl/inter.crl.pem 2>/dev/null
$CA -name root_ca -gencrl -crldays 30 -crlexts crl_ext -out crl/root.crl.pem 2>/dev/null
$CA -name fake_ca -gencrl -crldays 30 -out crl/badsig.crl.pem 2>/dev/null
for c in inter root badsig; do openssl crl -in crl/$c.crl.pem -outform DER -out crl/$c.crl; done
openssl x509 -in root.pem -outform DER -out root.crt
openssl x509 -in inter.pem -outform DER -out inter.crt

# --- pins: base64(SHA-256(SubjectPublicKeyInfo DER)) ---
spki() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | openssl base64 -A; }
printf '{"root": "sha256/%s", "intermediate": "sha256/%s", "corp": "sha256/%s", "unknown": "sha256/%s"}\n' \
  "$(spki root.pem)" "$(spki inter.pem)" "$(spki corp-ca.pem)" "$(spki unknown-root.pem)" > pins.json
cat root.pem inter.pem > root-and-inter.pem
cat root.pem corp-ca.pem > root-and-corp.pem
rm -f ./*.csr leaf/*.csr
chmod 600 ./*.key leaf/*.key
