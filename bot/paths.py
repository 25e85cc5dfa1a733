"""The project's root folder, in a module that imports nothing of the project.

Settings, the authority directory and the tests all need it; kept apart so that
none of them has to import another just for a path.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
