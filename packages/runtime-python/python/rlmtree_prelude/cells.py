"""Compiling a cell: module-level code in one persistent namespace that may suspend.

A cell may suspend with `yield wait(...)`: the top-level `yield` is rewritten into `await` and
the cell compiled with PyCF_ALLOW_TOP_LEVEL_AWAIT (the mechanism IPython uses for top-level
await), so a suspended cell is a real coroutine frame parked in this process, woken with the
children's results. The value of a last bare expression is shown, as a notebook does.
"""

import ast
import linecache

# The name the last bare expression's value is passed to (bound by the Repl).
SHOW = "__rlm_show__"


class _TopLevelYieldToAwait(ast.NodeTransformer):
    """Rewrites `yield X` at a cell's top level into `await X`; leaves function bodies alone."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Yield(self, node):
        self.generic_visit(node)
        value = node.value if node.value is not None else ast.Constant(value=None)
        return ast.copy_location(ast.Await(value=value), node)


class _AwaitHostCalls(ast.NodeTransformer):
    """Rewrites `await f(...)` into `f(...)` for the host-call functions named in `names` (tools,
    llm_query, llm_query_batched): they answer synchronously, so both call forms give the value."""

    def __init__(self, names):
        self.names = names

    def visit_Await(self, node):
        self.generic_visit(node)
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in self.names:
            return call
        return node


def compile_cell(code, index, sync_names=()):
    """The code object of cell `index` (file name `<cell N>`, its lines kept for tracebacks);
    `await f(...)` of the functions in `sync_names` becomes a plain call.
    @raises SyntaxError when the cell does not parse."""
    filename = "<cell %d>" % index
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename=filename, mode="exec")
    # The rewrite walks the whole tree, so it runs only when the cell can hold a `yield`.
    rewritten = "yield" in code
    if rewritten:
        tree = _TopLevelYieldToAwait().visit(tree)
    if sync_names and "await" in code:
        tree = _AwaitHostCalls(frozenset(sync_names)).visit(tree)
        rewritten = True
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not isinstance(tree.body[-1].value, ast.Await):
        last = tree.body[-1]
        func = ast.copy_location(ast.Name(id=SHOW, ctx=ast.Load()), last)
        call = ast.copy_location(ast.Call(func=func, args=[last.value], keywords=[]), last)
        tree.body[-1] = ast.copy_location(ast.Expr(value=call), last)
    if rewritten:
        ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
