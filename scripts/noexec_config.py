"""Print _config.yml with notebook execution switched off (for `make book-noexec`).

`make test` builds the book from the outputs committed in labs/, so a page that
would break is caught without running every lab a second time.
"""

import sys
from pathlib import Path

import yaml

config = yaml.safe_load(Path("_config.yml").read_text())
config.setdefault("execute", {})["execute_notebooks"] = "off"
yaml.safe_dump(config, sys.stdout, sort_keys=False)
