"""Only what pyproject.toml cannot say: ship the repository's playbooks/ inside the package.

The playbooks live at the top of the repository (support leads edit them there); a built wheel
carries them as ``calltriage/playbooks/*.yaml``, where an installed calltriage finds them.
"""

from pathlib import Path
from shutil import copy2

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithPlaybooks(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "calltriage" / "playbooks"
        target.mkdir(parents=True, exist_ok=True)
        for playbook in sorted((HERE / "playbooks").glob("*.yaml")):
            copy2(playbook, target / playbook.name)


setup(cmdclass={"build_py": BuildWithPlaybooks})
