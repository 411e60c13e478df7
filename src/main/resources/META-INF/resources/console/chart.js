// Small inline SVG line charts of the overview's samples.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 96;
const PAD_LEFT = 40;
const PAD_RIGHT = 6;
const PAD_TOP = 8;
const PAD_BOTTOM = 18;

function svg(tag, attrs = {}, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) {
        element.setAttribute(name, String(value));
    }
    if (text !== undefined) {
        element.textContent = text;
    }
    return element;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten, at least max. */
function niceMax(max) {
    if (!(max > 0)) {
        return 1;
    }
    const power = Math.pow(10, Math.floor(Math.log10(max)));
    for (const step of [1, 2, 5, 10]) {
        if (step * power >= max) {
            return step * power;
        }
    }
    return 10 * power;
}

function label(value) {
    if (value >= 10000) {
        return `${Math.round(value / 1000)}k`;
    }
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * A line chart of {@code values} (oldest first, null for a gap) spread over {@code spanSeconds}. The chart is an image
 * for assistive technology, described by {@code description}.
 */
export function lineChart(values, { description, spanSeconds }) {
    const chart = svg('svg', {
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
        class: 'chart',
        role: 'img',
        'aria-label': description,
        preserveAspectRatio: 'none',
    });
    chart.appendChild(svg('title', {}, description));
    const present = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(Number(v)));
    const top = niceMax(present.length ? Math.max(...present.map(Number)) : 0);
    const plotWidth = WIDTH - PAD_LEFT - PAD_RIGHT;
    const plotHeight = HEIGHT - PAD_TOP - PAD_BOTTOM;
    const bottom = PAD_TOP + plotHeight;

    // axes and grid: zero line, half and top
    for (const fraction of [0, 0.5, 1]) {
        const y = bottom - fraction * plotHeight;
        chart.appendChild(svg('line', {
            x1: PAD_LEFT, x2: WIDTH - PAD_RIGHT, y1: y, y2: y, class: fraction === 0 ? 'axis' : 'grid',
        }));
        chart.appendChild(svg('text', { x: PAD_LEFT - 4, y: y + 4, 'text-anchor': 'end', class: 'tick' },
            label(top * fraction)));
    }
    const minutes = Math.max(1, Math.round((spanSeconds || 0) / 60));
    chart.appendChild(svg('text', { x: PAD_LEFT, y: HEIGHT - 3, class: 'tick' },
        spanSeconds >= 60 ? `−${minutes} min` : `−${Math.round(spanSeconds || 0)} s`));
    chart.appendChild(svg('text', { x: WIDTH - PAD_RIGHT, y: HEIGHT - 3, 'text-anchor': 'end', class: 'tick' }, 'now'));

    if (values.length === 0) {
        chart.appendChild(svg('text', { x: PAD_LEFT + plotWidth / 2, y: PAD_TOP + plotHeight / 2,
            'text-anchor': 'middle', class: 'tick' }, 'no samples yet'));
        return chart;
    }
    const step = values.length > 1 ? plotWidth / (values.length - 1) : 0;
    let path = '';
    let penDown = false;
    values.forEach((value, index) => {
        if (value === null || value === undefined || Number.isNaN(Number(value))) {
            penDown = false;
            return;
        }
        const x = values.length > 1 ? PAD_LEFT + index * step : WIDTH - PAD_RIGHT;
        const y = bottom - (Number(value) / top) * plotHeight;
        path += `${penDown ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)} `;
        penDown = true;
    });
    if (path) {
        chart.appendChild(svg('path', { d: path.trim(), class: 'line' }));
    }
    // the newest value as a dot
    const last = values[values.length - 1];
    if (last !== null && last !== undefined) {
        chart.appendChild(svg('circle', {
            cx: WIDTH - PAD_RIGHT, cy: bottom - (Number(last) / top) * plotHeight, r: 2.5, class: 'dot',
        }));
    }
    return chart;
}
