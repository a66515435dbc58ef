"""Masking for every page a stranger may see (checkpoints, the code page, logs). Numbers are
masked by the core (healthcode/masking.py, so that its own admin masks too); names here."""

from healthcode.masking import mask_id, mask_phone

__all__ = ["mask_id", "mask_name", "mask_phone"]


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, Li Wei → L****i."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
