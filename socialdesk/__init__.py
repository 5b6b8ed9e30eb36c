"""SocialDesk: keep every social profile of your organisation in hand."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("socialdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
