"""Write a tiny pure-Python wheel (pbdemo 1.0) so venv's pip can install something with no network."""

import base64
import hashlib
import sys
import zipfile

FILES = {
    "pbdemo/__init__.py": "VALUE = 42\n",
    "pbdemo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: pbdemo\nVersion: 1.0\n",
    "pbdemo-1.0.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: python-builder\nRoot-Is-Purelib: true\n"
                                   "Tag: py3-none-any\n"),
}


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main(path: str) -> None:
    with zipfile.ZipFile(path, "w") as wheel:
        lines = []
        for name, text in FILES.items():
            wheel.writestr(name, text)
            lines.append(record_line(name, text.encode()))
        lines.append("pbdemo-1.0.dist-info/RECORD,,")
        wheel.writestr("pbdemo-1.0.dist-info/RECORD", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
