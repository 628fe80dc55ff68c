"""Run a management command and print the peak memory (RSS) of this process alone.

    python -m bench.peak import_activity --rollout 12 --user ... export.csv

The last line of the output is `peak_rss_kb=<n>`, the kernel's high-water mark of this process's
own memory (VmHWM in /proc/self/status). The parent's figures would not do: Python starts a child
with vfork, and Linux then carries the parent's peak into the child's `ru_maxrss` (what `os.wait4`
and `getrusage` report), so a bench process that had just seeded a database made a small import
look like 218 MB.
"""

import os
import sys


def peak_rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["manage.py", *sys.argv[1:]])
    finally:
        sys.stdout.flush()
        print(f"peak_rss_kb={peak_rss_kb()}", flush=True)


if __name__ == "__main__":
    main()
