#!/bin/sh
# Installs Debian's PyTorch (1.13, with functorch) for test/scanner/torch-exec.test.ts.
# Idempotent: does nothing when /usr/bin/python3 can already import torch.
set -e
if /usr/bin/python3 -c 'import torch, functorch' >/dev/null 2>&1; then
  echo "python3-torch already installed: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-torch
/usr/bin/python3 -c 'import torch, functorch; print("installed torch", torch.__version__)'
