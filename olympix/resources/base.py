"""The two kinds of node in the tree: containers and the items they hold.

- ``Container``: a place in the tree (``/orders``, ``/backoffice/people``).
  Areas register fixed children on it with ``@SomeContainer.child("name")``
  (each subclass has its own registry, so no central list knows them all);
  other names go to ``load(name)``, which finds a row and wraps it, or
  raises ``KeyError`` (traversal answers 404).
- ``Item``: one row wrapped as a resource (``row``), named and parented;
  its ``__acl__`` is a property computed from the row's state or owner.
  Models stay free of ACLs and of Pyramid.

Templates build addresses with ``request.resource_url(resource, ...)``.
"""


class Container:
    """A node with named children: registered ones first, then ``load``."""

    __name__ = None
    __parent__ = None
    _children: dict = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._children = {}

    def __init__(self, request):
        self.request = request

    @classmethod
    def child(cls, name):
        """Register ``factory(request)`` as the child called ``name``."""

        def register(factory):
            cls._children[name] = factory
            return factory

        return register

    def __getitem__(self, name):
        factory = self._children.get(name)
        if factory is None:
            return self.load(name)
        child = factory(self.request)
        child.__name__ = name
        child.__parent__ = self
        return child

    def load(self, name):
        """The item called ``name`` (override); KeyError when there is none."""
        raise KeyError(name)


class Item:
    """One row in the tree; subclasses add ``__acl__`` and a friendly name for ``row``."""

    def __init__(self, row, parent, name=None):
        self.row = row
        self.__parent__ = parent
        self.__name__ = str(name if name is not None else row.id)
        self.request = parent.request


def row_id(name, digits=12):
    """The integer id a path segment names, or KeyError (not digits, or absurdly long)."""
    if not (isinstance(name, str) and name.isdigit() and len(name) <= digits):
        raise KeyError(name)
    return int(name)
