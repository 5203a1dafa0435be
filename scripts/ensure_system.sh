#!/usr/bin/env bash
# Installs the Debian packages the portal needs, once; later runs only check and return at once.
set -euo pipefail

packages=(
  postgresql redis-server              # the database and the broker/cache
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint's layout and font subsetting
  fonts-dejavu-core                    # a fallback font; certificates ship their own
  poppler-utils libzbar0 zbar-tools    # tests turn PDFs into images and decode their QR codes
  chromium                             # browser tests
  wrk                                  # the load generator benchmarks drive the portal with
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
