// Returns the visible text of the page whose contrast with its background is below WCAG 2 AA (4.5:1, or 3:1 for large
// text), one line each. Colours are composed over their ancestors' backgrounds, down to the white of the canvas.
const parse = (css) => {
    const match = /rgba?\(([^)]+)\)/.exec(css || '');
    if (!match) {
        return null;
    }
    const parts = match[1].split(/[ ,\/]+/).filter(Boolean).map(Number.parseFloat);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
};
const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
});
const luminance = (c) => {
    const channel = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
};
const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
        const layer = parse(getComputedStyle(e).backgroundColor);
        if (layer && layer.a > 0) {
            layers.push(layer);
            if (layer.a >= 1) {
                break;
            }
        }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) {
        colour = over(layers[i], colour);
    }
    return colour;
};
const failures = [];
for (const element of document.querySelectorAll('body *')) {
    const ownText = Array.from(element.childNodes)
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent.trim())
        .join(' ')
        .trim();
    if (!ownText || element.closest('[hidden], dialog:not([open])') || element.matches(':disabled')) {
        continue;
    }
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) {
        continue;
    }
    const back = background(element);
    const text = element instanceof SVGElement ? parse(style.fill) || parse(style.color) : parse(style.color);
    const front = over(text, back);
    const lighter = Math.max(luminance(front), luminance(back));
    const darker = Math.min(luminance(front), luminance(back));
    const ratio = (lighter + 0.05) / (darker + 0.05);
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (Number.parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    const needed = large ? 3 : 4.5;
    if (ratio < needed) {
        failures.push(`${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string'
            ? '.' + element.className.trim().replace(/\s+/g, '.') : ''} "${ownText.slice(0, 40)}": `
            + `${ratio.toFixed(2)} < ${needed} (${style.color} on rgb(${Math.round(back.r)}, ${Math.round(back.g)}, `
            + `${Math.round(back.b)}))`);
    }
}
return failures;
