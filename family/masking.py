"""Masking for every page a stranger may see (checkpoints, the code page, logs)."""


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, Li Wei → L****i."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(number: str) -> str:
    """First 4 and last 4 characters, the rest *: 4101********1234."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """138****0001."""
    number = (number or "").strip()
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]
