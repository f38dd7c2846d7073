"""Containers whose children are registered by the areas themselves."""


class Folder:
    """A container of named children; subclasses get their own registry.

    ``@SomeFolder.child("name")`` registers a factory called with the
    request; an unknown name raises KeyError, which traversal turns into 404.
    """

    _children: dict = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._children = {}

    def __init__(self, request):
        self.request = request

    @classmethod
    def child(cls, name):
        def register(factory):
            cls._children[name] = factory
            return factory

        return register

    def __getitem__(self, name):
        child = self._children[name](self.request)
        child.__name__ = name
        child.__parent__ = self
        return child
