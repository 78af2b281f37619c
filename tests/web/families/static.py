"""The imitation of Plain static lists (crawler/platforms/static.py reads the real family)."""

from __future__ import annotations

from typing import ClassVar

from .base import Family, chunks


class StaticFamily(Family):
    """Plain static lists `index.html`, `index_1.html`… with page links; sub-columns for departments and townships."""

    name = "static"
    root = "/zfxxgk/zfxxgknb/"
    sections: ClassVar[list[tuple[str, str, str]]] = [
        ("gov", "", "本级年报"), ("bm", "bm/", "部门年报"), ("xz", "xzjd/", "乡镇（街道）年报")]

    @property
    def column_url(self) -> str:
        return self.root

    def list_target(self, page: int) -> str:
        return self.root + ("index.html" if page == 1 else f"index_{page - 1}.html")

    def build_column(self) -> None:
        for sec, sub, label in self.sections:
            items = [e for e in self.entries if e.section == sec or (sec == "gov" and e.section == "decoy")]
            up = "../" * (self.root.count("/") - 1 + bool(sub))
            tabs = "".join(f'<a href="{("../" if sub else "./") + s}">{lab}</a> ' for _, s, lab in self.sections)
            pages = chunks(items, self.spec.page_size)
            for k, chunk in enumerate(pages):
                lis = "\n".join(self.li(e, up + self.article_path(e).lstrip("/"), i) for i, e in enumerate(chunk))
                pager = self.pager(k, len(pages))
                name = "index.html" if k == 0 else f"index_{k}.html"
                self.files[self.root + sub + name] = self.page(
                    label, self.list_block(self.spec.nb_label, lis, f'<div class="tabs">{tabs}</div>{pager}'))

    @staticmethod
    def pager(k: int, n: int) -> str:
        def name(i: int) -> str:
            return "index.html" if i == 0 else f"index_{i}.html"
        links = [f'<a href="{name(0)}">首页</a>']
        if k > 0:
            links.append(f'<a href="{name(k - 1)}">上一页</a>')
        links += [f'<a href="./{name(i)}">{i + 1}</a>' for i in range(n)]
        if k < n - 1:
            links.append(f'<a href="{name(k + 1)}">下一页</a>')
        links.append(f'<a href="{name(n - 1)}">尾页</a>')
        return f'<div class="page">{" ".join(links)} 共{n}页</div>'
