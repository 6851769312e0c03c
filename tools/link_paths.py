"""Puts the project's source roots on the virtualenv's import path (a .pth file).

Each service is its own top-level package under services/<name>/; the generated
protos live in gen/ and the plumbing in libs/.
"""

import site
from pathlib import Path

root = Path(__file__).resolve().parents[1]
services = ["catalog", "bookings", "wallet", "payments", "passes"]
roots = [root / "gen", root / "libs", root / "gateway", *(root / "services" / name for name in services)]
target = Path(site.getsitepackages()[0]) / "bookingplatform-dev.pth"
target.write_text("".join(f"{path}\n" for path in roots))
print(f"wrote {target}")
