"""help() is readable: every C method has a signature, and the "use the
file's default event set" sentinel prints as DEFAULT, not as an address."""
import inspect
import pydoc
import re

import pytest

import h5async
from h5async import _h5async

C_TYPES = [_h5async.EventSet, _h5async.Future, _h5async.ObjectID]


def c_methods():
    for tp in C_TYPES:
        for name, value in vars(tp).items():
            if type(value).__name__ == "method_descriptor":
                yield pytest.param(value, id=f"{tp.__name__}.{name}")
    for name, value in vars(_h5async).items():
        if type(value).__name__ == "builtin_function_or_method":
            yield pytest.param(value, id=f"_h5async.{name}")


def test_default_sentinel_is_readable():
    assert repr(_h5async.DEFAULT) == "DEFAULT"
    assert "default event set" in type(_h5async.DEFAULT).__doc__


@pytest.mark.parametrize("func", list(c_methods()))
def test_c_methods_have_signatures(func):
    sig = inspect.signature(func)     # raises ValueError without __text_signature__
    assert func.__doc__ and func.__doc__.strip()
    for p in sig.parameters.values():
        if p.name == "es" and p.default is not inspect.Parameter.empty:
            assert p.default is _h5async.DEFAULT or p.default is None


def test_signature_names_match_the_keywords():
    # The text signature is what callers see: its names must be accepted.
    sig = inspect.signature(_h5async.ObjectID.write_direct)
    assert list(sig.parameters) == ["self", "source", "source_sel", "dest_sel", "es", "copy"]
    sig = inspect.signature(_h5async.EventSet.wait)
    assert str(sig) == "(self, /, timeout=None, *, progress=False)"


@pytest.mark.parametrize("obj", [h5async.Dataset.write_direct, h5async.Dataset.read,
                                 h5async.Group.create_group, h5async.File,
                                 h5async.AttributeManager.create, h5async.EventSet.wait,
                                 h5async.Future.result, _h5async.ObjectID.read_async])
def test_help_shows_no_addresses(obj):
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    # (collections.abc's own pop() shows its private marker: not ours)
    assert not re.search(r"es=<.*object at 0x[0-9a-f]+", text), text
    if "es" in inspect.signature(obj).parameters and obj is not h5async.File:
        assert re.search(r"\bes(: '\w+' = |=)DEFAULT\b", text), text


@pytest.mark.parametrize("cls", [h5async.File, h5async.Group, h5async.Dataset,
                                 h5async.AttributeManager, h5async.EventSet, h5async.Future])
def test_public_methods_are_documented(cls):
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not callable(member) or isinstance(member, type):
            continue
        assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"
