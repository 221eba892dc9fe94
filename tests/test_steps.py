"""Parsing what the build containers print: ccache statistics and toolchain versions."""

from tasks.steps import ccache_summary, toolchain

LOG = """\
python-builder: toolchain gcc: gcc (Debian 14.2.0-19) 14.2.0
python-builder: toolchain binutils: GNU ld (GNU Binutils for Debian) 2.44
gcc -c ... -o Objects/setobject.o
python-builder: ccache statistics
Cacheable calls:   269 / 336 (80.06%)
  Hits:            200 / 269 (74.35%)
    Direct:        190 / 200 (95.00%)
    Preprocessed:   10 / 200 ( 5.00%)
  Misses:           69 / 269 (25.65%)
Uncacheable calls:  67 / 336 (19.94%)
Local storage:
  Cache size (GB): 0.1 / 5.0 ( 2.00%)
  Hits:            200 / 269 (74.35%)
  Misses:           69 / 269 (25.65%)
"""


def test_ccache_summary():
    stats = ccache_summary(LOG)
    assert stats["hits"] == 200 and stats["misses"] == 69 and stats["direct"] == 190
    assert stats["hit_rate"] == round(200 / 269, 3)
    assert ccache_summary("no statistics here") == {}


def test_toolchain():
    assert toolchain(LOG) == {"gcc": "gcc (Debian 14.2.0-19) 14.2.0",
                              "binutils": "GNU ld (GNU Binutils for Debian) 2.44"}
