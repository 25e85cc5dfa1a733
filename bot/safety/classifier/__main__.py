"""``python -m bot.safety.classifier train|cv``."""
import sys

from bot.safety.classifier.export import main

sys.exit(main(sys.argv[1:]))
