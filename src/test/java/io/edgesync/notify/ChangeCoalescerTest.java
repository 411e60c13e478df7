package io.edgesync.notify;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeCoalescerTest {

    private static final long WINDOW = 100;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Announcement> announced = new ArrayList<>();
    private final ChangeCoalescer coalescer = new ChangeCoalescer(() -> WINDOW, scheduler,
            table -> announced.add(new Announcement(table, scheduler.now)));

    record Announcement(String table, long at) {
    }

    @Test
    void firstChangeOfAQuietTableIsAnnouncedAtOnce() {
        // When a quiet table changes
        coalescer.recordChange("todoitem");

        // Then it is announced without waiting for the window
        assertThat(announced).containsExactly(new Announcement("todoitem", 0));
    }

    @Test
    void changesWithinTheWindowAreAnnouncedOnceWhenItEnds() {
        // Given a table that just changed
        coalescer.recordChange("todoitem");

        // When it changes three more times within the window
        scheduler.advance(10);
        coalescer.recordChange("todoitem");
        scheduler.advance(10);
        coalescer.recordChange("todoitem");
        coalescer.recordChange("todoitem");
        scheduler.advance(200);

        // Then they are announced once, when the window ends
        assertThat(announced).containsExactly(new Announcement("todoitem", 0), new Announcement("todoitem", WINDOW));
    }

    @Test
    void aWindowWithoutFurtherChangesClosesSilently() {
        // Given a table that changed once
        coalescer.recordChange("todoitem");

        // When its window ends without another change
        scheduler.advance(WINDOW * 5);

        // Then nothing more is announced, no window stays open, and the next change is announced at once
        assertThat(announced).hasSize(1);
        assertThat(coalescer.openWindowCount()).isZero();
        coalescer.recordChange("todoitem");
        assertThat(announced).containsExactly(new Announcement("todoitem", 0),
                new Announcement("todoitem", WINDOW * 5));
    }

    @Test
    void tablesAreCoalescedIndependently() {
        // When two tables change within one window
        coalescer.recordChange("a");
        scheduler.advance(30);
        coalescer.recordChange("b");

        // Then each is announced at once
        assertThat(announced).containsExactly(new Announcement("a", 0), new Announcement("b", 30));
    }

    @Test
    void aSteadyStreamOfChangesIsAnnouncedAtMostOncePerWindowAndItsLastChangeIsAnnounced() {
        // When a table changes every 10 ms for one second
        for (int i = 0; i < 100; i++) {
            coalescer.recordChange("todoitem");
            scheduler.advance(10);
        }
        scheduler.advance(WINDOW * 3);

        // Then announcements are at least a window apart, about one per window, and one follows the last change
        assertThat(announced).hasSizeBetween(10, 11);
        for (int i = 1; i < announced.size(); i++) {
            assertThat(announced.get(i).at() - announced.get(i - 1).at()).isGreaterThanOrEqualTo(WINDOW);
        }
        assertThat(announced.get(announced.size() - 1).at()).isGreaterThanOrEqualTo(990);
        assertThat(coalescer.openWindowCount()).isZero();
    }

    @Test
    void withoutAWindowEveryChangeIsAnnounced() {
        // Given coalescing switched off
        ChangeCoalescer immediate = new ChangeCoalescer(() -> 0, scheduler,
                table -> announced.add(new Announcement(table,
                        scheduler.now)));

        // When a table changes three times at once
        immediate.recordChange("todoitem");
        immediate.recordChange("todoitem");
        immediate.recordChange("todoitem");

        // Then each change is announced
        assertThat(announced).hasSize(3);
    }

    @Test
    void eachWindowTakesTheLengthAskedForWhenItOpens() {
        // Given a window whose length follows something that changes (the streams open)
        long[] window = {100};
        ChangeCoalescer following = new ChangeCoalescer(() -> window[0], scheduler,
                table -> announced.add(new Announcement(table, scheduler.now)));
        following.recordChange("todoitem");
        following.recordChange("todoitem");

        // When it shrinks while a window is open
        window[0] = 5;
        scheduler.advance(200);
        following.recordChange("todoitem");
        scheduler.advance(2);
        following.recordChange("todoitem");
        scheduler.advance(20);

        // Then the open window keeps its length, and the next ones take the new one
        assertThat(announced).containsExactly(new Announcement("todoitem", 0), new Announcement("todoitem", 100),
                new Announcement("todoitem", 200), new Announcement("todoitem", 205));
    }

    @Test
    void theWindowIsAsLongAsAnnouncingToEveryOpenStreamAtTheRateTakes() {
        // (100 announcements per second, the default, at most 100 ms)
        assertThat(ChangeListener.window(0, 100, 100)).isZero();
        assertThat(ChangeListener.window(1, 100, 100)).isEqualTo(10);
        assertThat(ChangeListener.window(3, 100, 100)).isEqualTo(30);
        assertThat(ChangeListener.window(3, 100, 1000)).isEqualTo(3);
        assertThat(ChangeListener.window(7, 100, 300)).isEqualTo(24);
        assertThat(ChangeListener.window(10, 100, 100)).isEqualTo(100);
        assertThat(ChangeListener.window(10_000, 100, 100)).isEqualTo(100);
        // A rate of 0 keeps the longest window
        assertThat(ChangeListener.window(1, 100, 0)).isEqualTo(100);
    }

    /** Virtual time: tasks run when {@link #advance} passes their due time, in due order. */
    static final class ManualScheduler implements ChangeCoalescer.Scheduler {

        private record Task(long due, long seq, Runnable task) {
        }

        private final PriorityQueue<Task> tasks = new PriorityQueue<>(
                Comparator.comparingLong(Task::due).thenComparingLong(Task::seq));
        private long now;
        private long seq;

        @Override
        public void schedule(long delayMillis, Runnable task) {
            tasks.add(new Task(now + delayMillis, seq++, task));
        }

        void advance(long millis) {
            long target = now + millis;
            while (!tasks.isEmpty() && tasks.peek().due() <= target) {
                Task next = tasks.poll();
                now = next.due();
                next.task().run();
            }
            now = target;
        }
    }
}
