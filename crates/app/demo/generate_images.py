#!/usr/bin/env python3
"""Generate the demo catalogue illustrations (SVG) from catalog.json.

Usage:  python3 generate_images.py            (run from anywhere; stdlib only)

Every image path referenced in catalog.json (relative to ./media/) is written.
Output is deterministic: same catalog.json -> byte-identical SVGs.

SVG constraints (strict CSP on the storefront): viewBox only, no text, no
scripts, no style elements/attributes, no external references. Only
presentation attributes and internal gradients/clip paths/<use>.
"""
import json
import math
import os
import re
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MEDIA = os.path.join(HERE, "media")

# --------------------------------------------------------------------------- colour helpers

def rgb(h):
    h = h.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def hx(c):
    return "#%02x%02x%02x" % tuple(max(0, min(255, int(round(v)))) for v in c)


def mix(a, b, t):
    a, b = rgb(a), rgb(b)
    return hx(tuple(a[i] + (b[i] - a[i]) * t for i in range(3)))


def shade(c, k):
    """k > 0 lightens toward white, k < 0 darkens toward black."""
    return mix(c, "#ffffff", k) if k >= 0 else mix(c, "#000000", -k)


def lum(c):
    r, g, b = rgb(c)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def n(v):
    """Compact number formatting."""
    v = round(v, 1)
    return str(int(v)) if v == int(v) else str(v)


# --------------------------------------------------------------------------- backgrounds

BACKDROPS = {
    # name: (wall top, wall bottom, table near, table far)
    "ivory": ("#f6f1e8", "#ece4d6", "#e2d7c5", "#d9ccb8"),
    "sand": ("#eee3d3", "#e3d4bf", "#d6c4aa", "#cbb797"),
    "greige": ("#e4ded6", "#d6cec3", "#c9bfb2", "#bcb1a3"),
    "blush": ("#f3e6e0", "#e9d6cd", "#dcc4b9", "#d1b6aa"),
    "slate": ("#d9dcdc", "#c7cbcc", "#b7bbbc", "#aaafb0"),
    "sage": ("#e6e7de", "#d8dace", "#c8cbbc", "#bcc0af"),
    "stone": ("#ddd5ca", "#cfc5b8", "#c0b4a5", "#b3a696"),
    "taupe": ("#cfc4b9", "#c0b3a6", "#ae9f90", "#a19181"),
}
LIGHT_BG = ["ivory", "sand", "blush", "sage", "greige"]
DARK_BG = ["greige", "slate", "stone", "taupe"]


def pick_backdrop(key, colour, offset=0):
    pool = DARK_BG if lum(colour) > 0.72 else LIGHT_BG
    return pool[(zlib.crc32(key.encode()) + offset) % len(pool)]


# --------------------------------------------------------------------------- SVG context

class Ctx:
    def __init__(self):
        self.defs = []
        self.keys = {}

    def _add(self, key, body):
        if key not in self.keys:
            gid = "g%d" % len(self.keys)
            self.keys[key] = gid
            self.defs.append(body.replace("@ID", gid))
        return "url(#%s)" % self.keys[key]

    def lin(self, stops, x2=1, y2=0):
        key = ("lin", tuple(stops), x2, y2)
        s = "".join('<stop offset="%s" stop-color="%s"%s/>' % (
            n(o), c, "" if op == 1 else ' stop-opacity="%s"' % n(op)) for o, c, op in stops)
        return self._add(key, '<linearGradient id="@ID" x1="0" y1="0" x2="%s" y2="%s">%s</linearGradient>' % (x2, y2, s))

    def rad(self, stops, cx=0.5, cy=0.5, r=0.5):
        key = ("rad", tuple(stops), cx, cy, r)
        s = "".join('<stop offset="%s" stop-color="%s"%s/>' % (
            n(o), c, "" if op == 1 else ' stop-opacity="%s"' % n(op)) for o, c, op in stops)
        return self._add(key, '<radialGradient id="@ID" cx="%s" cy="%s" r="%s">%s</radialGradient>' % (cx, cy, r, s))

    def raw(self, key, body):
        """Arbitrary def (clipPath, symbol); returns the id."""
        self._add(("raw", key), body)
        return self.keys[("raw", key)]

    # shorthands ------------------------------------------------------------
    def body(self, c, soft=False):
        dark = lum(c) < 0.2
        a = shade(c, 0.22 if dark else 0.14)
        b = shade(c, -0.28 if not dark else -0.35)
        return self.lin([(0, a, 1), (0.45, c, 1), (1, b, 1)])

    def vbody(self, c):
        dark = lum(c) < 0.2
        return self.lin([(0, shade(c, 0.2 if dark else 0.12), 1), (1, shade(c, -0.25), 1)], 0, 1)

    def metal(self, c="#cfa85a"):
        return self.lin([(0, shade(c, 0.55), 1), (0.35, shade(c, 0.1), 1), (0.7, shade(c, -0.3), 1), (1, shade(c, 0.25), 1)], 1, 1)

    def shadow(self):
        return self.rad([(0, "#000", 0.32), (0.6, "#000", 0.12), (1, "#000", 0)])


def el(tag, **a):
    parts = []
    for k, v in a.items():
        if v is None:
            continue
        k = k.rstrip("_").replace("_", "-")
        if isinstance(v, float):
            v = n(v)
        parts.append('%s="%s"' % (k, v))
    return "<%s %s/>" % (tag, " ".join(parts))


def compact(d):
    return re.sub(r" ?([A-Za-z]) ?", r"\1", d.strip())


def path(d, fill="none", **a):
    return el("path", d=compact(d), fill=fill, **a)


def ell(cx, cy, rx, ry, fill, **a):
    return el("ellipse", cx=cx, cy=cy, rx=rx, ry=ry, fill=fill, **a)


def circ(cx, cy, r, fill, **a):
    return el("circle", cx=cx, cy=cy, r=r, fill=fill, **a)


def ground_shadow(ctx, cx, cy, rx, ry=None):
    return ell(cx, cy, rx, ry or max(10, rx * 0.09), ctx.shadow())


def drop(d, dx=10, dy=14, op=0.13):
    return '<path d="%s" fill="#000" opacity="%s" transform="translate(%d %d)"/>' % (compact(d), op, dx, dy)


def shadowed(ctx, d, fill, dx=14, dy=16, op=0.1):
    """Returns (wall shadow, filled shape) sharing one path definition."""
    pid = ctx.raw(d, '<path id="@ID" d="%s"/>' % compact(d))
    return ('<use href="#%s" fill="#000" opacity="%s" transform="translate(%d %d)"/>' % (pid, op, dx, dy),
            '<use href="#%s" fill="%s"/>' % (pid, fill))


def beads(d, gap, w, stroke, **a):
    """A row of round beads along a path (round-capped zero-length dashes)."""
    return path(d, stroke=stroke, stroke_width=w, stroke_linecap="round", stroke_dasharray="0 %s" % n(gap), **a)


def arc_len(pts):
    return sum(math.hypot(pts[i + 1][0] - pts[i][0], pts[i + 1][1] - pts[i][1]) for i in range(len(pts) - 1))


def stitch(d, c, w=2, op=0.55):
    return path(d, stroke=shade(c, 0.35) if lum(c) < 0.6 else shade(c, -0.3), stroke_width=w,
                stroke_dasharray="7 5", opacity=op)


def mirror_d(d):
    """Mirror every x coordinate of an absolute path around x=400."""
    out, xnext = [], True
    for t in re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", d):
        if t.isalpha():
            out.append(t)
            xnext = True
            continue
        v = float(t)
        out.append(n(800 - v) if xnext else n(v))
        xnext = not xnext
    return " ".join(out)


GOLD = "#cfa85a"
PALLADIUM = "#c9cacc"

# --------------------------------------------------------------------------- bags
# Each drawer: f(ctx, colour) -> (svg, (focus_x, focus_y))


def bag_tote(ctx, c):
    dk = shade(c, -0.4)
    body = "M232 420 L568 420 L598 772 Q600 794 578 794 L222 794 Q200 794 202 772 Z"
    s = [ground_shadow(ctx, 400, 798, 250, 22)]
    s.append(path("M318 422 C318 292 482 292 482 422", stroke=shade(c, -0.25), stroke_width=18, stroke_linecap="round"))
    s.append(path(body, ctx.body(c)))
    s.append(path("M548 422 L568 420 L598 772 Q600 794 578 794 L566 794 Z", "#000", opacity=0.14))
    s.append(path("M232 420 L568 420", stroke=dk, stroke_width=5))
    s.append(stitch("M236 438 L564 438", c))
    s.append(stitch("M224 774 L576 774", c))
    s.append(path("M300 426 C300 262 500 262 500 426", stroke=shade(c, -0.05), stroke_width=20, stroke_linecap="round"))
    s.append(path("M300 426 C300 262 500 262 500 426", stroke=shade(c, 0.25), stroke_width=3, opacity=0.5))
    for x in (300, 500):
        s.append(el("rect", x=x - 20, y=420, width=40, height=56, rx=6, fill=shade(c, -0.12)))
        s.append(circ(x, 458, 7, ctx.metal(PALLADIUM)))
    return "".join(s), (300, 450)


def bag_shoulder(ctx, c):
    body = "M250 560 Q250 500 312 500 L488 500 Q550 500 550 560 L550 740 Q550 792 498 792 L302 792 Q250 792 250 740 Z"
    flap = "M250 560 Q250 500 312 500 L488 500 Q550 500 550 560 L550 646 Q400 728 250 646 Z"
    s = [ground_shadow(ctx, 400, 796, 200, 18)]
    s.append(path("M266 540 C240 250 560 250 534 540", stroke=shade(c, -0.2), stroke_width=9))
    s.append(path(body, ctx.body(c)))
    s.append(path(flap, ctx.vbody(shade(c, 0.06))))
    s.append(path("M250 646 Q400 728 550 646", stroke=shade(c, -0.45), stroke_width=4))
    s.append(stitch("M266 640 Q400 710 534 640", c))
    s.append(el("rect", x=378, y=664, width=44, height=12, rx=6, fill=ctx.metal(GOLD)))
    for x in (262, 538):
        s.append(el("rect", x=x - 9, y=520, width=18, height=30, rx=4, fill=shade(c, -0.25)))
    return "".join(s), (400, 668)


def bag_clutch(ctx, c):
    body = "M180 612 Q180 598 194 598 L606 598 Q620 598 620 612 L620 778 Q620 792 606 792 L194 792 Q180 792 180 778 Z"
    flap = "M180 612 Q180 598 194 598 L606 598 Q620 598 620 612 L620 690 Q400 722 180 690 Z"
    s = [ground_shadow(ctx, 400, 796, 250, 16)]
    s.append(path("M214 604 C200 420 600 420 586 604", stroke=ctx.metal(GOLD), stroke_width=5, stroke_dasharray="9 4"))
    s.append(path(body, ctx.body(c)))
    s.append(path(flap, ctx.vbody(shade(c, 0.05))))
    s.append(path("M180 690 Q400 722 620 690", stroke=shade(c, -0.4), stroke_width=3))
    s.append(path("M240 610 L380 610 L300 690 L200 684 Z", "#fff", opacity=0.1))
    s.append(el("rect", x=376, y=694, width=48, height=22, rx=4, fill=ctx.metal(GOLD)))
    s.append(el("rect", x=392, y=700, width=16, height=10, rx=2, fill=shade(GOLD, -0.25)))
    return "".join(s), (400, 700)


def bag_tophandle(ctx, c):
    body = "M272 500 L528 500 L580 778 Q583 794 566 794 L234 794 Q217 794 220 778 Z"
    flap = "M272 500 L528 500 L556 650 Q400 666 244 650 Z"
    s = [ground_shadow(ctx, 400, 798, 220, 20)]
    s.append(path("M322 504 C318 350 482 350 478 504", stroke=shade(c, -0.15), stroke_width=22, stroke_linecap="round"))
    s.append(path("M322 504 C318 350 482 350 478 504", stroke=shade(c, 0.3), stroke_width=3, opacity=0.45))
    s.append(path(body, ctx.body(c)))
    s.append(path("M508 500 L528 500 L580 778 Q583 794 566 794 L552 794 Z", "#000", opacity=0.15))
    s.append(path(flap, ctx.vbody(shade(c, 0.08))))
    s.append(path("M244 650 Q400 666 556 650", stroke=shade(c, -0.45), stroke_width=4))
    s.append(stitch("M276 514 L524 514", c))
    for x in (322, 478):
        s.append(el("rect", x=x - 13, y=494, width=26, height=18, rx=3, fill=ctx.metal(GOLD)))
    s.append(el("rect", x=366, y=632, width=68, height=52, rx=8, fill=ctx.metal(GOLD)))
    s.append(el("rect", x=376, y=642, width=48, height=32, rx=5, fill=shade(c, -0.1)))
    s.append(el("rect", x=392, y=648, width=16, height=20, rx=3, fill=ctx.metal(GOLD), transform="rotate(35 400 658)"))
    return "".join(s), (400, 650)


def bag_crossbody(ctx, c):
    body = "M262 600 Q262 580 282 580 L518 580 Q538 580 538 600 L538 776 Q538 794 518 794 L282 794 Q262 794 262 776 Z"
    flap = "M262 600 Q262 580 282 580 L518 580 Q538 580 538 600 L538 690 Q538 712 516 712 L284 712 Q262 712 262 690 Z"
    s = [ground_shadow(ctx, 400, 798, 190, 16)]
    s.append(path("M284 590 C220 240 580 240 516 590", stroke=shade(c, -0.18), stroke_width=26))
    s.append(path("M284 590 C220 240 580 240 516 590", stroke=shade(c, 0.3), stroke_width=2, stroke_dasharray="6 5", opacity=0.5))
    t = 0.16  # buckle sits on the strap curve
    bx = (1 - t) ** 3 * 284 + 3 * (1 - t) ** 2 * t * 220 + 3 * (1 - t) * t * t * 580 + t ** 3 * 516
    by = (1 - t) ** 3 * 590 + 3 * (1 - t) ** 2 * t * 240 + 3 * (1 - t) * t * t * 240 + t ** 3 * 590
    s.append(el("rect", x=n(bx - 20), y=n(by - 16), width=40, height=32, rx=4, fill="none", stroke=PALLADIUM,
                stroke_width=6, transform="rotate(-12 %s %s)" % (n(bx), n(by))))
    s.append(path("M%s %s v28" % (n(bx), n(by - 14)), stroke=shade(PALLADIUM, -0.3), stroke_width=4))
    s.append(path(body, ctx.body(c)))
    s.append(path(flap, ctx.vbody(shade(c, 0.07))))
    s.append(stitch("M276 596 L524 596 L524 698 L276 698 Z", c))
    s.append(el("rect", x=386, y=700, width=28, height=22, rx=4, fill=ctx.metal(PALLADIUM)))
    return "".join(s), (n(bx), n(by + 40))


def bag_bucket(ctx, c):
    body = "M240 500 L258 762 Q262 796 300 796 L500 796 Q538 796 542 762 L560 500 Z"
    s = [ground_shadow(ctx, 400, 800, 200, 18)]
    s.append(path("M252 506 C236 250 564 250 548 506", stroke=shade(c, -0.2), stroke_width=11))
    s.append(ell(400, 500, 160, 30, shade(c, -0.45)))
    s.append(path(body, ctx.body(c)))
    s.append(path("M256 740 L544 740 L542 762 Q538 796 500 796 L300 796 Q262 796 258 762 Z", shade(c, -0.22), opacity=0.6))
    for x in (300, 350, 400, 450, 500):
        s.append(path("M%d 506 Q%d 560 %d 620" % (x, x + 6, x - 4), stroke=shade(c, -0.3), stroke_width=3, opacity=0.5))
    s.append(path("M240 500 Q400 540 560 500", stroke=shade(c, -0.35), stroke_width=5))
    s.append(path("M250 520 Q400 556 550 520", stroke=shade(c, -0.4), stroke_width=4))
    s.append(path("M430 528 Q440 600 432 660 M430 528 Q414 596 416 640", stroke=shade(c, -0.4), stroke_width=5, stroke_linecap="round"))
    s.append(circ(430, 528, 11, shade(c, -0.3)))
    return "".join(s), (430, 540)


def bag_weekender(ctx, c):
    body = "M170 560 Q170 520 220 520 L580 520 Q630 520 632 560 L660 762 Q662 794 630 794 L170 794 Q138 794 140 762 Z"
    s = [ground_shadow(ctx, 400, 798, 300, 24)]
    s.append(path("M318 526 C318 372 482 372 482 526", stroke=shade(c, -0.3), stroke_width=20, stroke_linecap="round"))
    s.append(path(body, ctx.vbody(c)))
    s.append(path("M140 762 Q138 794 170 794 L200 794 Q176 660 196 524 Q172 528 170 560 Z", "#000", opacity=0.14))
    s.append(path("M660 762 Q662 794 630 794 L600 794 Q624 660 604 524 Q628 528 632 560 Z", "#000", opacity=0.18))
    s.append(path("M200 534 L600 534", stroke=shade(GOLD, -0.1), stroke_width=6, stroke_dasharray="3 3"))
    s.append(el("rect", x=560, y=530, width=14, height=34, rx=3, fill=ctx.metal(GOLD)))
    s.append(path("M300 532 C300 350 500 350 500 532", stroke=shade(c, 0.05), stroke_width=22, stroke_linecap="round"))
    for x in (300, 500):
        s.append(el("rect", x=x - 26, y=526, width=52, height=70, rx=6, fill=shade(c, -0.1)))
        s.append(path("M%d 536 h36 v50 h-36 Z M%d 536 l36 50 M%d 536 l-36 50" % (x - 18, x - 18, x + 18),
                      stroke=shade(c, 0.4), stroke_width=2, opacity=0.6))
    s.append(stitch("M176 760 L624 760", c))
    return "".join(s), (300, 560)


def bag_mini(ctx, c):
    cid = ctx.raw("minibag", '<clipPath id="@ID"><path d="M290 650 Q290 620 320 620 L480 620 Q510 620 510 650 L510 770 Q510 794 486 794 L314 794 Q290 794 290 770 Z"/></clipPath>')
    body = "M290 650 Q290 620 320 620 L480 620 Q510 620 510 650 L510 770 Q510 794 486 794 L314 794 Q290 794 290 770 Z"
    s = [ground_shadow(ctx, 400, 798, 150, 14)]
    s.append(path("M300 628 C240 330 560 330 500 628", stroke=ctx.metal(GOLD), stroke_width=4, stroke_dasharray="8 4"))
    s.append(path("M350 624 C346 530 454 530 450 624", stroke=shade(c, -0.2), stroke_width=14, stroke_linecap="round"))
    s.append(path(body, ctx.body(c)))
    q = "".join("M%d 600 l220 220 M%d 600 l-220 220 " % (x, x + 220) for x in range(110, 560, 44))
    s.append('<g clip-path="url(#%s)">%s</g>' % (cid, path(q, stroke=shade(c, -0.25), stroke_width=2.5, opacity=0.7)))
    s.append(path("M290 700 L510 700", stroke=shade(c, -0.3), stroke_width=3))
    s.append(el("rect", x=384, y=690, width=32, height=22, rx=4, fill=ctx.metal(GOLD)))
    for x in (350, 450):
        s.append(el("rect", x=x - 9, y=614, width=18, height=14, rx=3, fill=ctx.metal(GOLD)))
    return "".join(s), (400, 690)


# --------------------------------------------------------------------------- shoes (side view, toe left)

SOLE = "#6e4d37"


def shoe_pump(ctx, c, glossy=True):
    upper = ("M160 800 C136 800 126 786 132 772 C142 748 200 736 280 728 C320 724 345 722 362 720 "
             "C440 712 540 650 600 606 C615 596 628 590 640 588 C652 606 654 640 646 664 "
             "C600 668 560 690 520 722 C470 762 400 796 330 800 Z")
    lining = "M362 722 C440 698 540 630 600 590 C615 580 628 574 640 572 L642 600 L400 740 Z"
    heel = "M598 672 L646 662 C644 700 640 760 638 802 L624 802 C620 760 612 710 598 672 Z"
    sole = ("M150 800 L330 800 C400 796 470 762 520 722 C560 690 600 668 646 664 L646 670 "
            "C602 674 562 696 524 728 C472 768 402 804 330 806 L150 806 C136 806 130 802 132 797 Z")
    s = [ground_shadow(ctx, 390, 804, 270, 14)]
    s.append(path(heel, ctx.body(shade(c, -0.1))))
    s.append(path(lining, "#c9ab88"))
    s.append(path("M362 722 C440 698 540 630 600 590 C615 580 628 574 640 572", stroke=shade(c, -0.1), stroke_width=4))
    s.append(path(upper, ctx.body(c)))
    s.append(path("M362 720 C440 712 540 650 600 606 C615 596 628 590 640 588", stroke=shade(c, -0.4), stroke_width=3))
    s.append(path(sole, SOLE))
    if glossy:
        s.append(path("M158 762 C200 744 270 736 340 730", stroke="#fff", stroke_width=6, stroke_linecap="round", opacity=0.35))
        s.append(path("M636 608 C644 624 646 640 642 654", stroke="#fff", stroke_width=4, stroke_linecap="round", opacity=0.3))
        s.append(path("M450 730 C500 700 550 670 590 640", stroke="#fff", stroke_width=4, stroke_linecap="round", opacity=0.18))
    return "".join(s), (610, 660)


def shoe_flat(ctx, c):
    upper = ("M130 784 C134 760 200 748 270 744 C300 742 320 740 338 738 C430 748 540 744 612 732 "
             "C628 734 636 752 638 788 L180 796 C144 796 128 794 130 784 Z")
    lining = "M338 738 C430 748 540 744 612 732 C600 750 520 758 440 756 C400 754 360 748 338 738 Z"
    s = [ground_shadow(ctx, 390, 800, 270, 12)]
    s.append(path(upper, ctx.body(c)))
    s.append(path(lining, "#c9ab88"))
    s.append(path("M338 738 C430 748 540 744 612 732", stroke=shade(c, -0.35), stroke_width=3))
    s.append(path("M130 786 C134 798 152 802 176 802 L640 794 L640 800 L176 808 C146 808 128 802 130 786 Z", SOLE))
    bc = shade(c, -0.2)
    s.append(path("M338 738 C318 722 300 728 304 742 C308 754 326 750 338 740 C352 726 370 730 368 744 C366 756 350 752 338 740 Z", bc))
    s.append(path("M334 742 L318 770 M342 742 L352 770", stroke=bc, stroke_width=4, stroke_linecap="round"))
    s.append(circ(338, 740, 6, shade(c, -0.35)))
    return "".join(s), (340, 745)


def shoe_loafer(ctx, c):
    upper = ("M128 782 C130 752 190 736 258 724 C320 712 372 692 420 688 C470 694 530 706 586 700 "
             "C618 694 640 690 652 700 C660 730 660 760 656 780 L176 792 C142 792 126 790 128 782 Z")
    s = [ground_shadow(ctx, 395, 804, 280, 14)]
    s.append(path("M560 780 L656 780 L654 806 L562 806 Z", shade(SOLE, -0.1)))
    s.append(path(upper, ctx.body(c)))
    s.append(path("M420 688 C470 694 530 706 586 700 C618 694 640 690 652 700 C620 706 560 714 500 712 C466 710 440 702 420 688 Z", "#c9ab88"))
    s.append(path("M420 688 C470 694 530 706 586 700 C618 694 640 690 652 700", stroke=shade(c, -0.35), stroke_width=3))
    s.append(path("M236 730 C280 700 360 690 420 690", stroke=shade(c, -0.3), stroke_width=3))
    s.append(stitch("M238 736 C282 708 360 698 418 698", c, 2, 0.7))
    s.append(path("M330 702 C360 700 410 704 446 712 L452 742 C410 734 360 732 334 734 Z", shade(c, -0.08)))
    s.append(path("M368 712 C384 710 400 712 414 716 L414 726 C400 724 384 722 370 724 Z", shade(c, -0.45)))
    s.append(path("M128 784 C132 796 150 800 176 800 L656 790 L656 796 L176 806 C146 806 126 800 128 784 Z", SOLE))
    s.append(path("M170 760 C220 742 270 734 320 724", stroke="#fff", stroke_width=5, stroke_linecap="round", opacity=0.22))
    return "".join(s), (390, 718)


def shoe_ankle_boot(ctx, c):
    upper = ("M128 782 C130 756 186 742 250 732 C320 720 380 690 420 640 C436 610 440 560 440 520 "
             "L610 510 C616 560 604 600 618 640 C632 670 650 690 652 712 C560 716 470 764 380 792 L172 794 C140 794 126 792 128 782 Z")
    heel = "M566 712 L652 706 L644 804 L576 804 Z"
    s = [ground_shadow(ctx, 395, 806, 280, 14)]
    s.append(path(heel, ctx.body(shade(c, -0.15))))
    s.append(path("M576 794 L644 794 L644 804 L576 804 Z", "#222"))
    s.append(path(upper, ctx.body(c)))
    s.append(ell(525, 515, 86, 10, shade(c, -0.45)))
    s.append(path("M468 530 C472 600 466 660 452 700", stroke=shade(c, -0.3), stroke_width=4))
    s.append(path("M462 532 L474 532 L474 556 L462 556 Z", ctx.metal(GOLD)))
    s.append(path("M128 784 C132 796 150 800 172 800 L382 798 C470 770 560 720 650 712 L650 718 C562 726 472 776 384 804 L172 806 C146 806 126 800 128 784 Z", SOLE))
    s.append(path("M200 752 C240 740 290 732 330 720", stroke="#fff", stroke_width=5, stroke_linecap="round", opacity=0.15))
    return "".join(s), (560, 640)


def shoe_riding_boot(ctx, c):
    upper = ("M128 782 C130 756 186 742 250 732 C320 720 388 690 424 630 C446 590 446 520 448 440 "
             "L452 262 Q530 240 624 250 C628 330 610 430 606 520 C604 580 626 640 646 686 C650 700 652 712 652 760 "
             "L380 794 L172 794 C140 794 126 792 128 782 Z")
    s = [ground_shadow(ctx, 395, 806, 280, 14)]
    s.append(path(upper, ctx.body(c)))
    s.append(path("M452 262 Q530 240 624 250 Q540 270 452 262 Z", shade(c, -0.5)))
    s.append(path("M452 290 Q530 272 622 280", stroke=shade(c, -0.3), stroke_width=3))
    s.append(path("M560 760 L652 752 L652 806 L562 806 Z", shade(SOLE, -0.1)))
    s.append(path("M562 774 L652 768 M562 790 L652 786", stroke=shade(SOLE, 0.25), stroke_width=2))
    s.append(path("M128 784 C132 796 150 800 172 800 L562 780 L562 786 L172 806 C146 806 126 800 128 784 Z", SOLE))
    s.append(path("M500 300 C496 420 492 520 506 640", stroke="#fff", stroke_width=10, stroke_linecap="round", opacity=0.14))
    s.append(path("M190 756 C240 742 300 732 350 716", stroke="#fff", stroke_width=5, stroke_linecap="round", opacity=0.18))
    return "".join(s), (530, 300)


def shoe_mule(ctx, c):
    bed = "M128 784 C130 770 200 760 300 756 C420 750 520 722 600 704 L630 700 L632 712 C560 724 470 770 384 794 L172 796 C142 796 126 794 128 784 Z"
    vamp = "M128 782 C134 752 196 738 262 732 C320 726 370 722 404 726 C410 750 398 770 382 792 L172 794 C140 794 126 792 128 782 Z"
    heel = "M592 712 L634 704 C624 736 610 770 618 802 L598 802 C588 770 598 740 592 712 Z"
    s = [ground_shadow(ctx, 380, 804, 260, 12)]
    s.append(path(heel, ctx.body(shade(c, -0.1))))
    s.append(path(bed, "#c9ab88"))
    s.append(path("M128 786 C132 798 150 802 172 802 L384 800 C470 774 560 728 632 712 L632 718 C560 734 472 780 386 806 L172 808 C146 808 126 802 128 786 Z", SOLE))
    s.append(path(vamp, ctx.body(c)))
    for x in (220, 270, 320, 360):
        s.append(path("M%d 742 Q%d 766 %d 790" % (x, x + 10, x + 4), stroke=shade(c, -0.25), stroke_width=3, opacity=0.6))
    return "".join(s), (300, 760)


# --------------------------------------------------------------------------- ready-to-wear

WOOD = "#a98157"


def hanger(ctx, bar=True, y=250):
    s = [path("M400 %d L400 %d C400 %d 428 %d 430 %d" % (y - 22, y - 80, y - 108, y - 110, y - 88),
              stroke=ctx.metal(PALLADIUM), stroke_width=5, stroke_linecap="round")]
    if bar:
        s.append(path("M214 %d Q400 %d 586 %d" % (y + 24, y - 36, y + 24), stroke=WOOD, stroke_width=14, stroke_linecap="round"))
    return "".join(s)


def rtw_coat(ctx, c):
    body = "M318 228 L482 228 L585 292 L604 930 Q400 946 196 930 L215 292 Z"
    sleeve = "M222 290 C190 300 172 330 168 380 L150 700 Q176 712 208 704 L238 400 Z"
    sh, fb = shadowed(ctx, body, ctx.body(c))
    s = [sh, hanger(ctx, False, 232)]
    s.append(path(sleeve, ctx.body(shade(c, -0.08))))
    s.append(path(mirror_d(sleeve), ctx.body(shade(c, -0.08))))
    s.append(fb)
    s.append(path("M330 228 L470 228 L400 268 Z", shade(c, -0.5)))
    s.append(path("M326 228 L398 540 L292 380 L312 296 Z", shade(c, 0.08), stroke=shade(c, -0.3), stroke_width=2))
    s.append(path("M474 228 L402 574 L512 380 L490 296 Z", shade(c, 0.04), stroke=shade(c, -0.3), stroke_width=2))
    s.append(path("M402 574 Q420 760 436 934", stroke=shade(c, -0.35), stroke_width=3))
    s.append(path("M208 548 Q400 566 594 548 L595 580 Q400 598 207 580 Z", shade(c, -0.08)))
    s.append(path("M430 570 Q450 640 440 720 L462 724 Q470 640 446 568 Z M440 572 Q420 650 424 700 L404 700 Q404 640 426 570 Z", shade(c, -0.12)))
    s.append(ell(436, 568, 20, 18, shade(c, -0.05)))
    s.append(path("M254 650 L278 720 M546 650 L522 720", stroke=shade(c, -0.35), stroke_width=3))
    s.append(stitch("M204 914 Q400 930 596 914", c))
    return "".join(s), (420, 520)


def rtw_jacket(ctx, c):
    body = ("M322 232 L478 232 L572 276 C574 330 560 360 552 380 C548 450 536 500 538 540 C546 620 560 680 566 740 "
            "Q486 760 420 752 L400 640 L380 752 Q314 760 234 740 C240 680 254 620 262 540 C264 500 252 450 248 380 "
            "C240 360 226 330 228 276 Z")
    sleeve = "M228 276 C206 290 196 330 194 380 L178 720 Q204 732 234 726 L248 400 Z"
    sh, fb = shadowed(ctx, body, ctx.body(c))
    s = [sh, hanger(ctx, False, 236)]
    s.append(path(sleeve, ctx.body(shade(c, -0.08))))
    s.append(path(mirror_d(sleeve), ctx.body(shade(c, -0.08))))
    s.append(fb)
    s.append(path("M334 232 L466 232 L400 300 Z", shade(c, -0.45)))
    s.append(path("M330 232 L396 560 L306 410 L300 352 L326 342 L318 300 Z", shade(c, 0.07), stroke=shade(c, -0.35), stroke_width=2))
    s.append(path(mirror_d("M330 232 L396 560 L306 410 L300 352 L326 342 L318 300 Z"), shade(c, 0.04), stroke=shade(c, -0.35), stroke_width=2))
    s.append(path("M400 560 L400 640", stroke=shade(c, -0.4), stroke_width=3))
    s.append(circ(400, 588, 10, shade(c, -0.45)))
    s.append(path("M266 620 L334 624 L334 642 L266 638 Z M534 620 L466 624 L466 642 L534 638 Z", shade(c, -0.1), stroke=shade(c, -0.35), stroke_width=2))
    s.append(path("M478 430 L530 426", stroke=shade(c, -0.35), stroke_width=3))
    s.append(beads("M216 690 V704 M584 690 V704", 14, 8, shade(c, -0.45)))
    return "".join(s), (350, 420)


def rtw_dress(ctx, c):
    body = "M318 384 Q400 378 482 384 C490 440 500 500 496 540 C530 660 580 800 600 928 Q520 944 460 934 Q400 948 340 934 Q280 944 200 928 C220 800 270 660 304 540 C300 500 310 440 318 384 Z"
    sh, fb = shadowed(ctx, body, ctx.body(c))
    s = [sh, hanger(ctx, True, 250)]
    s.append(path("M322 262 L318 388 M478 262 L482 388", stroke=shade(c, -0.25), stroke_width=4))
    s.append(fb)
    s.append(path("M350 560 C340 700 300 820 280 930 M420 560 C430 700 450 820 470 930 M380 580 C380 720 380 830 390 940",
                  stroke="#fff", stroke_width=14, stroke_linecap="round", opacity=0.1))
    s.append(path("M320 560 C300 700 260 820 240 924 M460 560 C480 700 520 820 540 926 M400 560 C396 700 410 830 420 940",
                  stroke=shade(c, -0.35), stroke_width=3, opacity=0.5))
    s.append(path("M318 386 Q400 470 482 386 Q400 440 318 386 Z", shade(c, -0.35)))
    s.append(path("M330 398 Q400 456 470 398", stroke=shade(c, 0.25), stroke_width=3, opacity=0.6))
    s.append(path("M342 410 Q400 470 458 410", stroke=shade(c, -0.3), stroke_width=3, opacity=0.6))
    return "".join(s), (400, 420)


def rtw_shirt(ctx, c):
    body = "M330 246 L470 246 L574 292 C584 400 584 500 580 800 Q570 860 470 850 Q400 872 330 850 Q230 860 220 800 C216 500 216 400 226 292 Z"
    sleeve = "M226 292 C196 306 186 350 184 400 L166 760 Q194 772 224 766 L240 420 Z"
    ln = shade(c, -0.22) if lum(c) > 0.6 else shade(c, -0.4)
    sh, fb = shadowed(ctx, body, ctx.body(c))
    s = [sh, hanger(ctx, False, 250)]
    s.append(path(sleeve, ctx.body(shade(c, -0.06))))
    s.append(path(mirror_d(sleeve), ctx.body(shade(c, -0.06))))
    s.append(el("rect", x=164, y=700, width=62, height=64, rx=6, fill=shade(c, -0.06), stroke=ln, stroke_width=2, transform="rotate(2 195 730)"))
    s.append(el("rect", x=574, y=700, width=62, height=64, rx=6, fill=shade(c, -0.1), stroke=ln, stroke_width=2, transform="rotate(-2 605 730)"))
    s.append(fb)
    s.append(path("M380 300 L380 858 M420 300 L420 860", stroke=ln, stroke_width=2, opacity=0.7))
    for y in range(350, 820, 78):
        s.append(circ(400, y, 6, shade(c, 0.35) if lum(c) < 0.6 else "#f4f0ea", stroke=ln, stroke_width=1.5))
    s.append(path("M330 246 L470 246 L400 300 Z", shade(c, -0.18)))
    s.append(path("M330 240 L400 300 L352 352 L300 262 Z", shade(c, 0.06), stroke=ln, stroke_width=2))
    s.append(path("M470 240 L400 300 L448 352 L500 262 Z", shade(c, 0.03), stroke=ln, stroke_width=2))
    s.append(path("M494 430 L548 428 L548 492 L522 500 L494 492 Z", "none", stroke=ln, stroke_width=2))
    return "".join(s), (400, 300)


def knit(ctx, c, vneck=False):
    body = "M312 270 Q400 300 488 270 L560 300 L570 780 L230 780 L240 300 Z"
    sleeve = "M240 300 C206 312 190 340 180 390 L120 700 L180 716 L244 440 Z"
    ln = shade(c, -0.22)
    s = [drop(body + " " + sleeve + " " + mirror_d(sleeve), 10, 14, 0.11)]
    s.append(path(sleeve, ctx.body(shade(c, -0.05))))
    s.append(path(mirror_d(sleeve), ctx.body(shade(c, -0.05))))
    s.append(path("M120 700 L180 716 L172 760 L108 742 Z", shade(c, -0.06)))
    s.append(path(mirror_d("M120 700 L180 716 L172 760 L108 742 Z"), shade(c, -0.1)))
    s.append(path(body, ctx.body(c)))
    s.append(path("M232 740 L568 740 L570 790 L230 790 Z", shade(c, -0.06)))
    rib = "".join("M%d 744 v44 " % x for x in range(240, 566, 10))
    rib += "".join("M%d 704 l-10 52 " % x for x in range(114, 180, 10))
    rib += "".join("M%d 704 l10 52 " % (800 - x) for x in range(114, 180, 10))
    s.append(path(rib, stroke=ln, stroke_width=2, opacity=0.55))
    if vneck:
        s.append(path("M312 270 Q400 300 488 270 L410 470 L390 470 Z", shade(c, -0.4)))
        s.append(path("M312 270 L392 476 L392 792 M488 270 L408 476 L408 792", stroke=ln, stroke_width=14, opacity=0.25))
        s.append(path("M400 476 L400 790", stroke=ln, stroke_width=2))
        for y in range(500, 780, 56):
            s.append(circ(400, y, 7, "#f3eee6", stroke=shade(c, -0.3), stroke_width=1.5))
        return "".join(s), (400, 500)
    s.append(path("M312 270 Q400 300 488 270 Q400 330 312 270 Z", shade(c, -0.35)))
    s.append(path("M306 272 Q400 346 494 272", stroke=shade(c, -0.06), stroke_width=20))
    s.append(path("M306 272 Q400 346 494 272", stroke=ln, stroke_width=20, stroke_dasharray="2 8", opacity=0.5))
    return "".join(s), (400, 310)


def rtw_jumper(ctx, c):
    return knit(ctx, c)


def rtw_cardigan(ctx, c):
    return knit(ctx, c, True)


def rtw_trousers(ctx, c):
    body = "M272 250 L528 250 L534 300 L600 930 L424 930 L400 440 L376 930 L200 930 L266 300 Z"
    ln = shade(c, -0.35)
    s = [drop(body, 10, 14, 0.11)]
    s.append(path(body, ctx.body(c)))
    s.append(path("M272 250 L528 250 L530 292 L270 292 Z", shade(c, -0.08), stroke=ln, stroke_width=2))
    s.append(path("M400 292 L400 440", stroke=ln, stroke_width=3))
    s.append(path("M334 292 L300 930 M466 292 L500 930", stroke=shade(c, 0.2), stroke_width=3, opacity=0.5))
    s.append(path("M348 292 L344 400 M452 292 L456 400", stroke=ln, stroke_width=2))
    s.append(path("M274 300 L300 380 M526 300 L500 380", stroke=ln, stroke_width=3))
    for x in (296, 370, 430, 504):
        s.append(el("rect", x=x - 5, y=244, width=10, height=54, rx=3, fill=shade(c, -0.05), stroke=ln, stroke_width=1.5))
    s.append(path("M380 266 h30", stroke=PALLADIUM, stroke_width=5, stroke_linecap="round"))
    return "".join(s), (400, 300)


def rtw_skirt(ctx, c):
    s = [hanger(ctx, True, 236)]
    hem = lambda t: (170 + 460 * t, 880 + 28 * math.sin(t * math.pi))
    waist = lambda t: (302 + 196 * t, 292)
    outline = "M302 292 L498 292 L630 880 Q400 930 170 880 Z"
    s.append(drop(outline, 12, 16, 0.1))
    k = 16
    for i in range(k):
        t0, t1 = i / k, (i + 1) / k
        (a, b), (cc, d) = waist(t0), waist(t1)
        (e, f), (g, h) = hem(t1), hem(t0)
        fill = shade(c, 0.08) if i % 2 else shade(c, -0.18)
        s.append(path("M%s %s L%s %s L%s %s L%s %s Z" % (n(a), n(b), n(cc), n(d), n(e), n(f), n(g), n(h)), fill))
    s.append(path(outline, ctx.lin([(0, "#fff", 0.18), (0.5, "#fff", 0), (1, "#000", 0.25)])))
    s.append(el("rect", x=298, y=256, width=204, height=40, rx=4, fill=shade(c, -0.1)))
    for x in (308, 492):
        s.append(el("rect", x=x - 12, y=244, width=24, height=30, rx=3, fill=ctx.metal(PALLADIUM)))
    return "".join(s), (400, 330)


# --------------------------------------------------------------------------- jewellery

def diamond(ctx, cx, cy, w):
    h = w * 0.45
    crown = "M%s %s L%s %s L%s %s L%s %s Z" % (n(cx - w / 2), n(cy), n(cx - w / 4), n(cy - h * 0.55), n(cx + w / 4), n(cy - h * 0.55), n(cx + w / 2), n(cy))
    pav = "M%s %s L%s %s L%s %s Z" % (n(cx - w / 2), n(cy), n(cx), n(cy + h * 1.2), n(cx + w / 2), n(cy))
    g = ctx.lin([(0, "#ffffff", 1), (0.5, "#dfe6ea", 1), (1, "#a9b4bb", 1)], 1, 1)
    facets = "M%s %s L%s %s L%s %s M%s %s L%s %s L%s %s" % (
        n(cx - w / 4), n(cy - h * 0.55), n(cx - w / 8), n(cy), n(cx), n(cy + h * 1.2),
        n(cx + w / 4), n(cy - h * 0.55), n(cx + w / 8), n(cy), n(cx), n(cy + h * 1.2))
    return (path(pav, g) + path(crown, ctx.lin([(0, "#f4f8fa", 1), (1, "#c4ced4", 1)], 0, 1))
            + path(facets, stroke="#8d9aa2", stroke_width=1.2, opacity=0.7))


def band(ctx, c, cx, cy, r, t):
    m = ctx.metal(c)
    d = "M%s %s a%s %s 0 1 0 0.1 0 Z M%s %s a%s %s 0 1 1 -0.1 0 Z" % (
        n(cx), n(cy - r), n(r), n(r * 1.04), n(cx), n(cy - r + t), n(r - t), n((r - t) * 1.04))
    return el("path", d=d, fill=m, fill_rule="evenodd")


def jw_ring(ctx, c):
    s = [ground_shadow(ctx, 400, 800, 150, 14)]
    s.append(band(ctx, c, 400, 640, 152, 24))
    s.append(path("M280 560 C296 520 330 500 360 494", stroke="#fff", stroke_width=5, stroke_linecap="round", opacity=0.5))
    s.append(path("M372 492 L428 492 L418 470 L382 470 Z", ctx.metal(c)))
    for x in (378, 394, 406, 422):
        s.append(path("M%d 476 L%d 440" % (x, x + (x - 400) // 3), stroke=shade(c, 0.2), stroke_width=4, stroke_linecap="round"))
    s.append(diamond(ctx, 400, 446, 64))
    return "".join(s), (400, 470)


def jw_band_flat(ctx, c):
    s = [ground_shadow(ctx, 400, 800, 140, 12)]
    s.append(band(ctx, c, 400, 650, 146, 14))
    s.append(path("M400 796 C480 796 540 740 546 650", stroke="#000", stroke_width=5, opacity=0.12))
    s.append(path("M286 560 C300 530 330 514 360 508", stroke="#fff", stroke_width=4, stroke_linecap="round", opacity=0.6))
    return "".join(s), (400, 520)


def jw_necklace(ctx, c):
    k = 46
    pts = []
    for i in range(161):
        a = math.pi / 2 + 2 * math.pi * (0.09 + 0.82 * i / 160)
        y = -280 * math.sin(a)
        pts.append((400 + 210 * math.cos(a), 560 + (y if y > 0 else y * 0.9)))
    pts = [(round(x), round(y)) for x, y in pts[::4]]
    sid = ctx.raw("strand", '<path id="@ID" d="M%s"/>' % " ".join("%d %d" % p for p in pts))
    gap = n(arc_len(pts) / (k - 1))

    def strand(w, col, **a):
        return el("use", href="#" + sid, fill="none", stroke=col, stroke_width=w, stroke_linecap="round",
                  stroke_dasharray="0 " + gap, **a)
    s = [strand(27, "#000", opacity=0.1, transform="translate(5 8)")]
    s.append(strand(26, "#cfc5ba"))
    s.append(strand(20, "#efe9e0", transform="translate(-2 -2)"))
    s.append(strand(8, "#fff", transform="translate(-5 -5)"))
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    s.append(path("M%s %s Q400 %s %s %s" % (n(x0), n(y0), n(y0 - 30), n(x1), n(y1)), stroke=ctx.metal(c), stroke_width=3))
    s.append(el("rect", x=382, y=n(y0 - 34), width=36, height=18, rx=8, fill=ctx.metal(c)))
    return "".join(s), (400, n(y0 + 30))


def earring(ctx, c, x, y, rot):
    m = ctx.metal(c)
    pg = ctx.rad([(0, "#ffffff", 1), (0.55, "#efe7dc", 1), (1, "#bfb3a6", 1)], 0.35, 0.3, 0.75)
    s = '<g transform="rotate(%d %d %d)">' % (rot, x, y)
    s += path("M%d %d C%d %d %d %d %d %d L%d %d" % (x, y, x, y - 56, x + 46, y - 56, x + 46, y - 14, x + 40, y + 40),
              stroke=shade(c, -0.1), stroke_width=4, stroke_linecap="round")
    s += circ(x, y, 7, m)
    s += path("M%d %d v22" % (x, y), stroke=shade(c, -0.15), stroke_width=3)
    s += path("M%d %d A34 34 0 0 0 %d %d A34 20 0 0 1 %d %d Z" % (x - 34, y + 30, x + 34, y + 30, x - 34, y + 30), m)
    s += circ(x, y + 72, 6, "none", stroke=shade(c, -0.1), stroke_width=3)
    s += path("M%d %d c26 0 40 26 38 56 c-2 34 -20 52 -38 52 c-22 0 -38 -22 -36 -54 c2 -30 14 -54 36 -54 Z" % (x, y + 76), pg)
    s += "</g>"
    return s


def jw_earrings(ctx, c):
    s = [ell(300, 540, 40, 50, "#000", opacity=0.08), ell(496, 550, 40, 50, "#000", opacity=0.08)]
    s.append(earring(ctx, c, 290, 400, -4))
    s.append(earring(ctx, c, 490, 410, 5))
    return "".join(s), (300, 470)


def jw_bracelet(ctx, c):
    m = ctx.metal(c)
    rx, ry, k = 240, 110, 40
    per = math.pi * (3 * (rx + ry) - math.sqrt((3 * rx + ry) * (rx + 3 * ry)))
    gap = per / k
    d = "M160 640a240 110 0 1 0 480 0a240 110 0 1 0 -480 0"
    s = [path(d, stroke="#000", stroke_width=26, opacity=0.1, transform="translate(8 12)")]
    s.append(path(d, stroke=shade(c, -0.3), stroke_width=22))
    s.append(beads(d, gap, 27, shade(c, -0.25)))
    s.append(beads(d, gap, 24, shade(c, 0.2)))
    s.append(beads(d, gap, 17, "#c3ccd2"))
    s.append(beads(d, gap, 11, "#f4f8fa", transform="translate(-1 -1)"))
    s.append(beads(d, gap, 4, "#fff", transform="translate(-3 -3)"))
    s.append(el("rect", x=386, y=738, width=28, height=24, rx=4, fill=m))
    return "".join(s), (400, 740)


def jw_pendant(ctx, c):
    m = ctx.metal(c)
    s = [path("M150 120 C200 420 330 520 388 540 M650 120 C600 420 470 520 412 540", stroke=m, stroke_width=3, stroke_dasharray="5 2")]
    s.append(circ(400, 556, 18, "none", stroke=m, stroke_width=6))
    s.append(circ(406, 650, 76, "#000", opacity=0.1))
    s.append(circ(400, 642, 76, m))
    s.append(circ(400, 642, 62, "none", stroke=shade(c, -0.25), stroke_width=2))
    pts = []
    for i in range(16):
        r = 44 if i % 2 == 0 else 14
        a = -math.pi / 2 + i * math.pi / 8
        pts.append("%s %s" % (n(400 + r * math.cos(a)), n(642 + r * math.sin(a))))
    s.append(path("M" + " L".join(pts) + " Z", shade(c, 0.3), stroke=shade(c, -0.35), stroke_width=2))
    s.append(path("M346 600 A76 76 0 0 1 430 572", stroke="#fff", stroke_width=5, stroke_linecap="round", opacity=0.45))
    return "".join(s), (400, 620)


# --------------------------------------------------------------------------- accessories

def acc_scarf(ctx, c):
    lt = "#f3ece0"
    acc = GOLD
    sq = "M140 280 L660 280 L660 800 L140 800 Z"
    s = ['<g transform="rotate(-5 400 540)">', drop(sq, 10, 14, 0.14), path(sq, c)]
    s.append(path("M190 330 L610 330 L610 750 L190 750 Z", "none", stroke=lt, stroke_width=4))
    s.append(path("M214 354 L586 354 L586 726 L214 726 Z", shade(c, 0.12), stroke=acc, stroke_width=3))
    s.append(circ(400, 540, 120, "none", stroke=lt, stroke_width=4))
    s.append(circ(400, 540, 60, shade(c, -0.15), stroke=acc, stroke_width=4))
    s.append(path("M400 360 V720 M234 540 H566", stroke=lt, stroke_width=3, stroke_dasharray="10 6"))
    for cx, cy in ((280, 420), (520, 420), (280, 660), (520, 660)):
        s.append(path("M%d %d q30 -40 60 0 q-30 40 -60 0 Z M%d %d q40 30 0 60 q-40 -30 0 -60 Z" % (cx - 30, cy, cx, cy - 30), shade(c, -0.2), stroke=lt, stroke_width=2))
    for cx, cy in ((165, 305), (635, 305), (165, 775), (635, 775)):
        s.append(circ(cx, cy, 12, acc))
    s.append(beads("M230 305 H570 M230 775 H570", 68, 10, lt))
    s.append(path(sq, ctx.lin([(0, "#fff", 0.16), (0.5, "#fff", 0), (1, "#000", 0.2)], 1, 1)))
    s.append(path(sq, "none", stroke=shade(c, -0.4), stroke_width=3))
    s.append("</g>")
    return "".join(s), (180, 330)


def acc_stole(ctx, c):
    d = "M200 300 L600 300 L600 760 L200 760 Z"
    s = [drop(d, 10, 14, 0.12), path(d, ctx.body(c))]
    s.append(path("M200 460 L600 460 L600 500 L200 500 Z", shade(c, -0.12)))
    s.append(path("M200 620 L600 620", stroke=shade(c, -0.2), stroke_width=3))
    s.append(path("M200 300 L600 300 L600 330 L200 330 Z", shade(c, 0.1)))
    fr = "".join("M%d 760 q%d 40 %d 78 " % (x, (x * 7) % 9 - 4, (x * 5) % 13 - 6) for x in range(206, 598, 9))
    s.append(path(fr, stroke=shade(c, -0.12), stroke_width=4, stroke_linecap="round"))
    tx = "".join("M200 %d H600 " % y for y in range(340, 760, 12))
    s.append(path(tx, stroke=shade(c, 0.15), stroke_width=1, opacity=0.35))
    return "".join(s), (400, 780)


def acc_belt(ctx, c):
    s = [ell(400, 600, 260, 250, ctx.shadow())]
    for r in (206, 158):
        s.append(circ(400, 560, r, "none", stroke=shade(c, -0.4), stroke_width=44))
        s.append(circ(400, 560, r, "none", stroke=ctx.body(c), stroke_width=38))
        s.append(circ(400, 560, r - 13, "none", stroke=shade(c, 0.3), stroke_width=1.5, stroke_dasharray="6 5", opacity=0.6))
        s.append(circ(400, 560, r + 13, "none", stroke=shade(c, 0.3), stroke_width=1.5, stroke_dasharray="6 5", opacity=0.6))
    s.append(path("M400 766 L520 766 Q560 766 560 740", stroke=shade(c, -0.4), stroke_width=44))
    for x in (440, 470, 500):
        s.append(circ(x, 766, 5, shade(c, -0.6)))
    m = ctx.metal(GOLD)
    s.append(el("rect", x=340, y=728, width=80, height=76, rx=28, fill="none", stroke=m, stroke_width=11))
    s.append(path("M346 766 L410 766", stroke=m, stroke_width=6, stroke_linecap="round"))
    return "".join(s), (380, 760)


def acc_wallet(ctx, c):
    d = "M220 440 Q220 420 240 420 L560 420 Q580 420 580 440 L580 740 Q580 760 560 760 L240 760 Q220 760 220 740 Z"
    flap = "M220 440 Q220 420 240 420 L560 420 Q580 420 580 440 L580 560 Q580 580 560 580 L240 580 Q220 580 220 560 Z"
    s = [drop(d, 12, 16, 0.16), path(d, ctx.body(c))]
    s.append(path(flap, ctx.vbody(shade(c, 0.05))))
    s.append(path("M220 582 L580 582", stroke=shade(c, -0.4), stroke_width=4))
    s.append(stitch("M236 436 L564 436 L564 564 L236 564 Z", c))
    s.append(stitch("M236 600 L236 744 L564 744 L564 600", c))
    s.append(circ(400, 560, 14, ctx.metal(GOLD)))
    return "".join(s), (400, 560)


def acc_cardholder(ctx, c):
    d = "M250 460 Q250 444 266 444 L534 444 Q550 444 550 460 L550 720 Q550 736 534 736 L266 736 Q250 736 250 720 Z"
    s = [drop(d, 12, 16, 0.16), path(d, ctx.body(c))]
    for y, k in ((470, 0.06), (510, 0.1), (550, 0.14)):
        s.append(path("M250 %d Q400 %d 550 %d L550 720 Q550 736 534 736 L266 736 Q250 736 250 720 Z" % (y, y + 30, y), ctx.vbody(shade(c, k))))
        s.append(path("M250 %d Q400 %d 550 %d" % (y, y + 30, y), stroke=shade(c, -0.45), stroke_width=3))
    s.append(stitch("M264 720 L536 720", c))
    return "".join(s), (400, 520)


# --------------------------------------------------------------------------- registry

DRAW = {
    "cabas-riviera": bag_tote, "sac-marais": bag_tophandle, "sac-seine": bag_shoulder,
    "pochette-opera": bag_clutch, "besace-vendome": bag_crossbody, "sac-seau-luberon": bag_bucket,
    "sac-voyage-deauville": bag_weekender, "mini-sac-faubourg": bag_mini,
    "escarpin-alma": shoe_pump, "mocassin-saint-germain": shoe_loafer, "bottine-rivoli": shoe_ankle_boot,
    "ballerine-palais": shoe_flat, "botte-chantilly": shoe_riding_boot, "mule-capri": shoe_mule,
    "manteau-anjou": rtw_coat, "veste-odeon": rtw_jacket, "robe-iris": rtw_dress, "chemise-claire": rtw_shirt,
    "pull-lison": rtw_jumper, "cardigan-margaux": rtw_cardigan, "pantalon-trianon": rtw_trousers,
    "jupe-solene": rtw_skirt,
    "bague-eclipse": jw_ring, "alliance-sillage": jw_band_flat, "collier-celeste": jw_necklace,
    "boucles-lune": jw_earrings, "bracelet-riviere": jw_bracelet, "medaille-etoile": jw_pendant,
    "carre-jardins": acc_scarf, "etole-cachemire": acc_stole, "ceinture-signature": acc_belt,
    "portefeuille-riviera": acc_wallet, "porte-cartes-vendome": acc_cardholder,
}
# fallbacks by collection, for products added later without a dedicated drawer
FALLBACK = {"bags": bag_tote, "shoes": shoe_pump, "ready-to-wear": rtw_dress, "jewellery": jw_ring, "accessories": acc_wallet}
# objects shown hanging or laid flat: no table horizon in the backdrop
FLAT = {rtw_coat, rtw_jacket, rtw_dress, rtw_shirt, rtw_jumper, rtw_cardigan, rtw_trousers, rtw_skirt,
        acc_scarf, acc_stole, acc_wallet, acc_cardholder, acc_belt, jw_necklace, jw_pendant, jw_bracelet,
        jw_earrings}
SHOES = {shoe_pump, shoe_flat, shoe_loafer, shoe_ankle_boot, shoe_riding_boot, shoe_mule}


def drawer_for(p):
    return DRAW.get(p["slug"]) or FALLBACK.get(p["collections"][0], bag_tote)


def backdrop(ctx, name, w, h, horizon):
    wt, wb, tn, tf = BACKDROPS[name]
    s = [el("rect", width=w, height=h, fill=ctx.lin([(0, wt, 1), (1, wb, 1)], 0, 1))]
    if horizon:
        s.append(el("rect", y=horizon, width=w, height=h - horizon, fill=ctx.lin([(0, tf, 1), (1, tn, 1)], 0, 1)))
        s.append(el("rect", y=horizon, width=w, height=3, fill="#fff", opacity=0.25))
    s.append(ell(w / 2, h * 0.42, w * 0.45, h * 0.38, ctx.rad([(0, "#fff", 0.35), (1, "#fff", 0)])))
    return "".join(s)


def document(ctx, w, h, body):
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d">'
            "<defs>%s</defs>%s</svg>\n" % (w, h, "".join(ctx.defs), body))


# hero scale per drawer (standing objects are scaled about their ground point)
HERO = {bag_tote: 1.2, bag_shoulder: 1.3, bag_clutch: 1.3, bag_tophandle: 1.35, bag_crossbody: 1.3,
        bag_bucket: 1.3, bag_weekender: 1.12, bag_mini: 1.7,
        shoe_pump: 1.22, shoe_flat: 1.22, shoe_loafer: 1.22, shoe_ankle_boot: 1.22, shoe_riding_boot: 0.98,
        shoe_mule: 1.22, jw_ring: 1.35, jw_band_flat: 1.5,
        rtw_jumper: 1.06, rtw_cardigan: 1.06, jw_bracelet: 1.25, jw_pendant: 1.1, jw_earrings: 1.6,
        acc_scarf: 1.1, acc_stole: 1.1, acc_belt: 1.2, acc_wallet: 1.35, acc_cardholder: 1.5}
HORIZON = 640
ZOOM = {jw_bracelet: 1.7, jw_necklace: 1.9, jw_pendant: 2.0, jw_earrings: 1.9, jw_ring: 2.0, jw_band_flat: 1.8,
        acc_scarf: 2.0, rtw_coat: 2.0, bag_weekender: 2.0, shoe_riding_boot: 1.8}


def placed(f, art, scale=1.0):
    """Place a drawing at hero size in the 800x1000 frame."""
    sc = HERO.get(f, 1.0) * scale
    if f in FLAT:
        return '<g transform="translate(400 520) scale(%s) translate(-400 -540)">%s</g>' % (n(sc), art)
    return '<g transform="translate(400 850) scale(%s) translate(-400 -800)">%s</g>' % (n(sc), art)


def shoe_pair(ctx, f, c):
    front, _ = f(ctx, c)
    back, _ = f(ctx, shade(c, -0.1))
    return '<g transform="translate(400 -36) scale(0.92) translate(-400 0) translate(84 50)">%s</g>%s' % (back, front)


def product_image(p, idx, colours):
    cols = []
    for v in p["variants"]:
        if v["colour"] not in cols:
            cols.append(v["colour"])
    f = drawer_for(p)
    ctx = Ctx()
    if idx == 0:
        c = colours[cols[0]]["hex"]
        bg = backdrop(ctx, pick_backdrop(p["slug"], c), 800, 1000, None if f in FLAT else HORIZON)
        art = shoe_pair(ctx, f, c) if f in SHOES else f(ctx, c)[0]
        return document(ctx, 800, 1000, bg + placed(f, art))
    if idx == 1:  # close-up detail on the hero colour
        c = colours[cols[0]]["hex"]
        bg = backdrop(ctx, pick_backdrop(p["slug"], c, 1), 800, 1000, None)
        art, (fx, fy) = f(ctx, c)
        sc = ZOOM.get(f, 2.2)
        return document(ctx, 800, 1000, bg + '<g transform="translate(%s %s) scale(%s)">%s</g>' % (
            n(400 - sc * float(fx)), n(520 - sc * float(fy)), sc, art))
    # another angle / colour: mirrored, slightly smaller, second colour if there is one
    c = colours[cols[1 if len(cols) > 1 else 0]]["hex"]
    bg = backdrop(ctx, pick_backdrop(p["slug"], c, 2), 800, 1000, None if f in FLAT else HORIZON + 20)
    art = shoe_pair(ctx, f, c) if f in SHOES else f(ctx, c)[0]
    if f in FLAT:
        return document(ctx, 800, 1000, bg + '<g transform="rotate(-4 400 500)">%s</g>' % placed(f, art, 0.92))
    return document(ctx, 800, 1000, bg + '<g transform="translate(800 0) scale(-1 1)">%s</g>' % placed(f, art, 0.95))


COLLECTION_PICK = {"accessories": ["ceinture-signature", "carre-jardins", "portefeuille-riviera"],
                   "ready-to-wear": ["veste-odeon", "manteau-anjou", "robe-iris"],
                   "shoes": ["escarpin-alma", "botte-chantilly", "mocassin-saint-germain"],
                   "jewellery": ["bague-eclipse", "collier-celeste", "boucles-lune"]}


def collection_image(coll, products, colours):
    items = [p for p in products if coll["slug"] in p["collections"]]
    seen, chosen = set(), []
    pick = COLLECTION_PICK.get(coll["slug"], [])
    for p in sorted(items, key=lambda p: (p["slug"] not in pick, pick.index(p["slug"]) if p["slug"] in pick else 0, not p["featured"])):
        f = drawer_for(p)
        if f not in seen:
            seen.add(f)
            chosen.append(p)
        if len(chosen) == 3:
            break
    ctx = Ctx()
    flat = all(drawer_for(p) in FLAT for p in chosen)
    name = {"bags": "sand", "shoes": "blush", "ready-to-wear": "greige", "jewellery": "slate", "accessories": "sage"}.get(coll["slug"], "ivory")
    out = [backdrop(ctx, name, 1200, 800, None if flat else 600)]
    hanging = [p for p in chosen if drawer_for(p) in (rtw_coat, rtw_jacket, rtw_dress, rtw_shirt, rtw_skirt)]
    if hanging:
        out.append(el("rect", x=60, y=92, width=1080, height=8, rx=4, fill=ctx.lin([(0, "#e4e5e6", 1), (1, "#8e9194", 1)], 0, 1)))
    order = [1, 0, 2] if len(chosen) == 3 else list(range(len(chosen)))
    xs = {3: [270, 600, 930], 2: [400, 800], 1: [600]}[len(chosen)]
    # draw the two side pieces first so the front one overlaps them
    for slot, i in sorted(zip(range(len(chosen)), order), key=lambda t: t[0] == 1):
        p = chosen[i]
        f = drawer_for(p)
        cols = [v["colour"] for v in p["variants"]]
        c = colours[cols[0]]["hex"]
        art, _ = f(ctx, c)
        front = slot == 1 or len(chosen) < 3
        sc = (0.7 if front else 0.6) * (1.2 if f in SHOES else 1.3 if coll["slug"] == "jewellery" else 1.0)
        cx = xs[slot]
        gy = (740 if front else 680) if f not in FLAT else 720
        if p in hanging:
            tr = "translate(%s %s) scale(%s)" % (n(cx - 400 * 0.72), n(96 - 140 * 0.72), 0.72)
        else:
            tr = "translate(%s %s) scale(%s)" % (n(cx - 400 * sc), n(gy - 800 * sc), sc)
        out.append('<g transform="%s">%s</g>' % (tr, art))
    return document(ctx, 1200, 800, "".join(out))


def main():
    with open(os.path.join(HERE, "catalog.json"), encoding="utf-8") as fh:
        cat = json.load(fh)
    colours = cat["colours"]
    written = 0

    def write(rel, svg):
        nonlocal written
        full = os.path.join(MEDIA, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(svg)
        written += 1

    for coll in cat["collections"]:
        write(coll["image"], collection_image(coll, cat["products"], colours))
    for p in cat["products"]:
        for i, rel in enumerate(p["images"]):
            write(rel, product_image(p, i, colours))
    print("wrote %d SVG files under %s" % (written, MEDIA))


if __name__ == "__main__":
    main()
