#!/usr/bin/env bash
# Print a hash of everything a trained model depends on (data, domain, config, Rasa version).
set -euo pipefail
cd "$(dirname "$0")/.."
{ echo "rasa==3.6.21"; cat config.yml; find domain nlu_data -type f -name '*.yml' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16
