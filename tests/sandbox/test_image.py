"""The image tag and the two recipes; no Docker needed."""

from __future__ import annotations

import json

from sandbox import rootfs
from sandbox.image import DOCKERFILE, image_tag


def test_image_tag_is_a_content_hash() -> None:
    tag = image_tag()
    repository, _, digest = tag.partition(":")
    assert repository == "ibl-agents-sandbox" and len(digest) == 12 and tag == image_tag()


def settings(lines: list[str]) -> dict[str, object]:
    """USER/WORKDIR/ENTRYPOINT arguments and every ENV assignment, from Dockerfile-style lines."""
    found: dict[str, object] = {}
    for line in lines:
        keyword, _, argument = line.partition(" ")
        if keyword in ("USER", "WORKDIR"):
            found[keyword] = argument
        elif keyword == "ENTRYPOINT":
            found[keyword] = json.loads(argument)
        elif keyword == "ENV":
            found.update(("ENV " + pair.split("=")[0], pair.split("=")[1]) for pair in argument.split())
    return found


def test_dockerfile_and_offline_recipe_configure_the_same_image() -> None:
    dockerfile = settings(DOCKERFILE.read_text().splitlines())
    offline = settings(list(rootfs.CHANGES))
    assert offline.pop("ENV PATH")  # the python image sets its own PATH
    assert dockerfile == offline
