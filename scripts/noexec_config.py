"""Print _config.yml with notebook execution switched off (for `make book-noexec`).

`make test` builds the book from the outputs committed in labs/, so a page that
would break is caught without running every lab a second time.
"""

import sys
from pathlib import Path

import yaml

config = yaml.safe_load(Path("_config.yml").read_text())
config.setdefault("execute", {})["execute_notebooks"] = "off"
# Absolute extension folders, so the printed config also works when saved outside the repository.
local = config.get("sphinx", {}).get("local_extensions", {})
for name, folder in local.items():
    local[name] = str((Path.cwd() / folder).resolve())
yaml.safe_dump(config, sys.stdout, sort_keys=False)
