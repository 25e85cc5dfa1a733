#!/usr/bin/env bash
# Print a hash of everything a trained model depends on (data, domain, config, Rasa version).
# The paths are Rasa's defaults (domain.yml, data/, config.yml): links to the topic folders.
set -euo pipefail
cd "$(dirname "$0")/.."
files() { find -L "$1" -type f -name '*.yml' | LC_ALL=C sort; }
{ echo "rasa==3.6.21"; cat config.yml; { files domain.yml; files data; } | xargs cat; } | sha256sum | cut -c1-16
