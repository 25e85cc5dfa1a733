"""Custom actions of the child-protection chat (rasa_sdk 3.6).

One module per concern; each class is named after its Rasa action name
(``ActionHandoffStart`` is ``action_handoff_start``). The repository root is
put on ``sys.path`` because ``rasa run actions`` does not add the working
directory, and the actions read the top-level ``knowledge`` package.
"""
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
