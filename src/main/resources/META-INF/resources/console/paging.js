// One listing shown a page at a time: the first page at once, the next ones on the "more" button, each page's cursor
// taken from the one before (the admin API's keyset paging).
import { showError } from './dom.js';

/**
 * Loads pages into a listing. fetchPage(cursor) answers an admin page ({items, hasMore, next}); render(item) shows
 * one entry; describe(shown, hasMore) says what is listed. Returns once the first page is shown.
 */
export async function pageThrough({ context, error, more, count, fetchPage, render, describe }) {
    let cursor = null;
    let shown = 0;
    async function load() {
        more.disabled = true;
        try {
            const page = await fetchPage(cursor);
            if (!context.isCurrent()) {
                return;
            }
            showError(error, null);
            for (const item of page.items || []) {
                render(item);
                shown++;
            }
            cursor = page.hasMore ? page.next : null;
            more.hidden = !page.hasMore;
            count.textContent = describe(shown, page.hasMore);
        } catch (e) {
            if (!e.isAuthProblem) {
                showError(error, e);
            }
        } finally {
            more.disabled = false;
        }
    }
    more.addEventListener('click', load);
    await load();
}
