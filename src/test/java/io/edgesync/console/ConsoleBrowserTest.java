package io.edgesync.console;

import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.Browser;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.TestInfrastructure;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.edgesync.testsupport.NativePush.ops;
import static io.edgesync.testsupport.NativePush.push;
import static io.edgesync.testsupport.ZumoRequests.insertThroughZumo;
import static io.edgesync.testsupport.ZumoRequests.zumo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator console in a real headless Chromium, against the running gateway (anonymous, as the local default): each
 * page renders what the admin API answers, and its actions reach the gateway. Every page leaves a screenshot in
 * {@code target/console-screenshots}.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ConsoleBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Browser.PerClass CHROMIUM = new Browser.PerClass();

    @TestHTTPResource("/console/")
    URL console;

    @Test
    void overviewShowsTheGatewayAndItsWritesFigureFollowsWrites() throws Exception {
        // Given the console's overview of an anonymous gateway
        open("#/overview");
        assertThat(browser().textUntil(By.cssSelector("ul.checks"), text -> text.contains("Kafka")))
                .contains("Database")
                .contains("UP");
        assertThat(browser().visible(By.id("anonymous-banner")).getText()).contains("anyone can use this console");
        long writesBefore = figure("totalWrites");

        // When a device keeps writing
        String device = device();
        String writes = "0";
        for (int batch = 0; batch < 60 && isZero(writes); batch++) {
            push(device, ops(insert("op-" + batch, "todoitem", UUID.randomUUID().toString(), "write " + batch)));
            Thread.sleep(250);
            // (read through textUntil: the overview redraws its figures every refresh, so an element found one
            // moment can be gone the next)
            writes = browser().textUntil(By.cssSelector("[data-metric='writesPerSecond']"), text -> !text.isEmpty());
        }

        // Then the writes figure shows writes per second, the total grew, and every chart is drawn
        assertThat(writes).as("writes per second while writing; %s", browser().browserLog()).matches("[0-9.]+");
        assertThat(Double.parseDouble(writes)).isPositive();
        browser().until(d -> figure("totalWrites") > writesBefore);
        assertThat(browser().visible(By.cssSelector("[data-metric='edgeId']")).getText()).isNotBlank();
        assertThat(browser().driver().findElements(By.cssSelector("figure.metric svg.chart"))).hasSize(7);
        for (String metric : List.of("pullsPerSecond", "conflictsPerMinute", "outboxDepth", "outboxOldestAgeSeconds",
                "consumerLag", "propagationMillis")) {
            assertThat(browser().driver().findElements(By.cssSelector("[data-metric='" + metric + "']")))
                    .as(metric)
                    .hasSize(1);
        }
        browser().until(d -> !d.findElements(By.cssSelector("figure.metric svg.chart path.line")).isEmpty());
        browser().screenshot("overview");

        // And on a tablet's width the same page still fits
        browser().resize(800, 1100);
        try {
            browser().visible(By.cssSelector("[data-metric='writesPerSecond']"));
            Long scrollWidth = (Long) browser().script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(scrollWidth).as("horizontal overflow at 800px").isLessThanOrEqualTo(0L);
            browser().screenshot("overview-tablet");
        } finally {
            browser().resize(Browser.WIDTH, Browser.HEIGHT);
        }
    }

    @Test
    void theGatewaysRootOpensTheConsoleUnderAPolicyThatAllowsOnlyItsOwnFiles() {
        // When a browser opens the root of the gateway
        browser().open(console.toString().replace("/console/", "/"));

        // Then it lands on the console's overview
        browser().visible(By.cssSelector("nav a[data-route='overview'][aria-current='page']"));
        assertThat(browser().driver().getCurrentUrl()).endsWith("/console/#/overview");

        // And the page's content security policy allows scripts and styles of the gateway only, none inline
        String policy = given().get("/console/").then().statusCode(200).extract().header("Content-Security-Policy");
        assertThat(policy).contains("script-src 'self'")
                .contains("style-src 'self'")
                .contains("connect-src 'self'")
                .doesNotContain("unsafe-inline")
                .doesNotContain("unsafe-eval");
    }

    @Test
    void theNavigationWorksWithTheKeyboardWithAVisibleFocus() {
        // Given the console's overview, freshly loaded
        browser().open("about:blank");
        open("#/overview");
        browser().visible(By.cssSelector("[data-metric='writesPerSecond']"));

        // When the operator tabs past the skip link to the second page of the navigation
        Actions keyboard = new Actions(browser().driver());
        keyboard.sendKeys(Keys.TAB).perform();
        assertThat(focused().getText()).isEqualTo("Skip to content");
        keyboard.sendKeys(Keys.TAB).sendKeys(Keys.TAB).perform();

        // Then that link has the focus, visibly
        WebElement devices = focused();
        assertThat(devices.getText()).isEqualTo("Devices");
        assertThat(devices.getCssValue("outline-style")).isEqualTo("solid");

        // When Enter is pressed, the devices page shows and the focus moves to its heading
        keyboard.sendKeys(Keys.ENTER).perform();
        browser().until(d -> "h1".equals(focused().getTagName()) && focused().getText().equals("Devices"));
        assertThat(devices.getAttribute("aria-current")).isEqualTo("page");
    }

    @Test
    void everyTextOfEveryPageMeetsTheContrastOfWcagAa() throws Exception {
        // Given the script that measures the contrast of each visible text against its background
        String measure = new String(ConsoleBrowserTest.class.getResourceAsStream("/console/contrast.js")
                .readAllBytes(), StandardCharsets.UTF_8);
        String device = device();
        push(device, ops(update("op-1", "todoitem", "missing-" + UUID.randomUUID(), "parked")));

        // When each page is shown with its content (and the banner of the anonymous gateway)
        Map<String, List<Object>> belowAa = new LinkedHashMap<>();
        for (String[] page : new String[][]{{"#/overview", "[data-metric='writesPerSecond']"},
                {"#/devices", "#devices-table"}, {"#/devices/" + device, "#operations-table"},
                {"#/conflicts", "#conflicts-table"}, {"#/tables", "main table"},
                {"#/explain?table=todoitem&id=x&device=" + device, ".verdict"}}) {
            open(page[0]);
            browser().visible(By.cssSelector(page[1]));
            Object failures = browser().script(measure);
            belowAa.put(page[0], failures instanceof List<?> list ? List.copyOf(list) : List.of(failures));
        }

        // Then no text is below 4.5:1 (3:1 when large)
        assertThat(belowAa).allSatisfy((page, failures) -> assertThat(failures).as(page).isEmpty());
    }

    private WebElement focused() {
        return browser().driver().switchTo().activeElement();
    }

    @Test
    void devicesAreFoundByPartOfTheirIdWithTheirParkedOperations() throws Exception {
        // Given two devices whose ids share a part nobody else's has, one of them with a parked operation
        String part = UUID.randomUUID().toString().substring(0, 13);
        String parked = "console-" + part + "-parked";
        String settled = "console-" + part + "-settled";
        push(parked, ops(update("op-1", "todoitem", "missing-" + UUID.randomUUID(), "x")));
        push(settled, ops(insert("op-1", "todoitem", UUID.randomUUID().toString(), "y")));

        // When an administrator searches the devices for that part
        open("#/devices");
        WebElement search = browser().visible(By.id("device-search"));
        search.sendKeys(part);
        browser().driver().findElement(By.cssSelector("form[role='search'] button[type='submit']")).click();

        // Then exactly those two are listed, the parked one highlighted with its count
        browser().until(d -> d.findElements(By.cssSelector("#devices-table tbody tr")).size() == 2
                && d.getCurrentUrl().contains("q="));
        List<WebElement> rows = browser().driver().findElements(By.cssSelector("#devices-table tbody tr"));
        assertThat(rows).extracting(row -> row.getAttribute("data-device")).containsExactly(parked, settled);
        assertThat(rows.get(0).findElement(By.cssSelector(".parked")).getText()).contains("1 parked");
        assertThat(rows.get(1).findElements(By.cssSelector(".parked"))).isEmpty();
        browser().screenshot("devices");

        // And the device's link leads to its page
        rows.get(0).findElement(By.linkText(parked)).click();
        browser().textUntil(By.tagName("h1"), text -> text.equals("Device " + parked));
    }

    @Test
    void aParkedOperationIsRetriedAndAnotherDiscardedFromTheDevicePage() throws Exception {
        // Given a device with two parked updates of records that did not exist, and the first record created since
        String device = device();
        String late = "late-" + UUID.randomUUID();
        push(device, ops(update("op-1", "todoitem", late, "updated"),
                update("op-2", "todoitem", "never-" + UUID.randomUUID(), "lost")));
        push(device(), ops(insert("op-1", "todoitem", late, "created")));

        // When an administrator opens the device's page and shows its parked operations
        open("#/devices/" + device);
        browser().visible(By.cssSelector("#operations-table tr[data-operation='op-2']"));
        new Select(browser().driver().findElement(By.id("operations-status"))).selectByValue("parked");
        browser().until(d -> d.findElements(By.cssSelector("#operations-table tbody tr[data-seq]")).size() == 2);
        assertThat(browser().driver()
                .findElement(By.cssSelector("#operations-table tr[data-operation='op-2']"))
                .getText()).contains("does not exist");

        // And retries the first
        browser().driver().findElement(By.cssSelector("tr[data-operation='op-1'] button.retry")).click();

        // Then its row and the outcome say it is applied now
        browser().textUntil(By.cssSelector("tr[data-operation='op-1'] .status"), "applied"::equals);
        browser().textUntil(By.id("operation-outcome"), text -> text.contains("retried: now applied"));
        assertThat(browser().driver().findElements(By.cssSelector("tr[data-operation='op-1'] button.retry"))).isEmpty();

        // When the second is discarded, which asks for confirmation first
        browser().driver().findElement(By.cssSelector("tr[data-operation='op-2'] button.discard")).click();
        WebElement dialog = browser().visible(By.cssSelector("dialog.confirm"));
        assertThat(dialog.getText()).contains("Discard operation");
        dialog.findElement(By.cssSelector("button[value='confirm']")).click();

        // Then it shows as discarded, and the gateway holds nothing parked for the device
        browser().textUntil(By.cssSelector("tr[data-operation='op-2'] .status"), "discarded"::equals);
        browser().textUntil(By.id("operation-outcome"), text -> text.contains("discarded: now discarded"));
        assertThat(adminJson("/admin/devices/" + device).at("/queue/parked").asLong()).isZero();
        browser().screenshot("device");
    }

    @Test
    void anOperatorFindsAStuckDeviceFromTheOverviewAndRetriesItsParkedOperation() throws Exception {
        // Given a device whose update of a record not yet there is parked, and the record then written
        String device = device();
        String id = "late-" + UUID.randomUUID();
        push(device, ops(update("op-1", "todoitem", id, "mine")));
        push(device(), ops(insert("op-1", "todoitem", id, "first")));

        // When the operator follows the overview's parked operations (counted every few seconds) to the stuck devices
        open("#/overview");
        browser().until(d -> !d.findElements(By.cssSelector("a.parked[href='#/devices?parked=true']")).isEmpty());
        browser().driver().findElement(By.cssSelector("a.parked[href='#/devices?parked=true']")).click();
        browser().visible(By.cssSelector("#devices-table"));
        assertThat(browser().driver().findElement(By.id("device-parked")).isSelected()).isTrue();

        // And narrows them down to this device, opens it and retries its operation
        WebElement search = browser().driver().findElement(By.id("device-search"));
        search.sendKeys(device, Keys.ENTER);
        browser().visible(By.cssSelector("#devices-table tr[data-device='" + device + "'] a")).click();
        browser().visible(By.cssSelector("tr[data-operation='op-1'] button.retry")).click();

        // Then the operation is applied, and the device is no longer among the stuck ones
        browser().textUntil(By.cssSelector("tr[data-operation='op-1'] .status"), "applied"::equals);
        assertThat(adminJson("/admin/devices?parked=true&q=" + device).get("items")).isEmpty();
    }

    @Test
    void forgettingADeviceWithParkedOperationsOffersToForceIt() throws Exception {
        // Given a device with a parked operation
        String device = device();
        push(device, ops(update("op-1", "todoitem", "missing-" + UUID.randomUUID(), "x")));
        open("#/devices/" + device);
        browser().visible(By.cssSelector("#operations-table tr[data-operation='op-1']"));

        // When an administrator forgets it and confirms
        browser().driver().findElement(By.id("forget-device")).click();
        browser().visible(By.cssSelector("dialog.confirm button[value='confirm']")).click();

        // Then the gateway's refusal is shown, with the offer to force it
        browser().textUntil(By.cssSelector("main .error"), text -> text.contains("409") && text.contains("parked"));

        // When the administrator forces it and confirms again
        browser().visible(By.id("forget-device-force")).click();
        browser().visible(By.cssSelector("dialog.confirm button[value='confirm']")).click();

        // Then the device is gone and the console says so
        browser().textUntil(By.id("announcer"), text -> text.contains("forgotten"));
        given().get("/admin/devices/{id}", device).then().statusCode(404);
    }

    @Test
    void aConflictShowsBothSidesWithTheDifferingFieldMarked() throws Exception {
        // Given a ZUMO client that lost a conflict on a record of a new table
        String installation = device();
        String table = uniqueTable();
        String version = insertThroughZumo(installation, table, "c1", "server side");
        zumo(installation).header("If-Match", "\"not-" + version + "\"")
                .body("{\"id\":\"c1\",\"text\":\"client side\"}")
                .patch("/tables/" + table + "/c1")
                .then()
                .statusCode(412);

        // When an administrator filters the conflicts by that table and opens the conflict
        open("#/conflicts");
        browser().visible(By.id("filter-table")).sendKeys(table);
        browser().driver().findElement(By.cssSelector("#conflict-filters button[type='submit']")).click();
        WebElement row = browser().visible(By.cssSelector("#conflicts-table tr[data-record='c1']"));
        WebElement toggle = row.findElement(By.cssSelector("button.toggle"));
        toggle.click();

        // Then client, server and result are side by side, the text marked as differing in words, not colour alone
        assertThat(toggle.getAttribute("aria-expanded")).isEqualTo("true");
        WebElement text = browser()
                .visible(By.cssSelector("#conflicts-table tr.detail table.sides tr[data-field='text']"));
        assertThat(text.getAttribute("class")).contains("differs");
        assertThat(text.findElement(By.tagName("th")).getText()).contains("differs");
        List<WebElement> cells = text.findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).isEqualTo("client side");
        assertThat(cells.get(1).getText()).isEqualTo("server side");
        assertThat(cells.get(2).getText()).isEqualTo("server side");
        WebElement id = browser().driver()
                .findElement(By.cssSelector("#conflicts-table tr.detail table.sides tr[data-meta='id']"));
        assertThat(id.getAttribute("class")).doesNotContain("differs");
        assertThat(id.getText()).doesNotContain("differs");
        browser().screenshot("conflicts");
    }

    @Test
    void conflictsAreFilteredByPolicyAndByATimeWindowInTheBrowsersTimeZone() throws Exception {
        // Given a conflict on a server-wins table, decided after a known instant
        Instant before = Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        String installation = device();
        String id = "w-" + UUID.randomUUID();
        String version = insertThroughZumo(installation, "cp_server", id, "server side");
        zumo(installation).header("If-Match", "\"not-" + version + "\"")
                .body("{\"id\":\"" + id + "\",\"text\":\"client side\"}")
                .patch("/tables/cp_server/" + id)
                .then()
                .statusCode(412);
        String since = LocalDateTime.ofInstant(before, ZoneId.systemDefault()).toString();

        // When an administrator filters by the policy, the device and a window starting before it
        open("#/conflicts");
        filterConflicts(installation, "server-wins", since);

        // Then the conflict is there, and the window went to the gateway as an instant
        browser().visible(By.cssSelector("#conflicts-table tr[data-record='" + id + "']"));
        String sent = URLDecoder.decode(browser().driver().getCurrentUrl().replaceAll(".*[?&]since=([^&]*).*", "$1"),
                StandardCharsets.UTF_8);
        assertThat(Instant.parse(sent)).isEqualTo(before);

        // When the window starts after it, or the policy is another, it is not
        String later = LocalDateTime.ofInstant(Instant.now().plusSeconds(3600), ZoneId.systemDefault())
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        filterConflicts(installation, "server-wins", later);
        browser().textUntil(By.cssSelector("main p[role='status']"), text -> text.contains("No conflicts match"));
        filterConflicts(installation, "client-wins", since);
        browser().textUntil(By.cssSelector("main p[role='status']"), text -> text.contains("No conflicts match"));
    }

    @Test
    void tablesShowTheirRowsPolicyAndAccess() throws Exception {
        // Given a new table with two rows, one of them deleted
        String table = uniqueTable();
        String device = device();
        push(device, ops(insert("op-1", table, "a", "kept"), insert("op-2", table, "b", "deleted")));
        push(device, ops(NativePush.operation("op-3", table, "delete", "b", null, null)));

        // When an administrator opens the tables page
        open("#/tables");

        // Then the table shows its live rows and tombstones, and the declared sample table is there
        WebElement row = browser().visible(By.cssSelector("#tables-table tr[data-table='" + table + "']"));
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).isEqualTo("1");
        assertThat(cells.get(1).getText()).isEqualTo("1");
        assertThat(cells.get(4).getText()).isEqualTo("each user");
        assertThat(cells.get(6).getText()).isEqualTo("no");
        WebElement todo = browser().visible(By.cssSelector("#tables-table tr[data-table='todoitem']"));
        assertThat(todo.findElements(By.tagName("td")).get(6).getText()).isEqualTo("yes");
        browser().screenshot("tables");
    }

    @Test
    void explainGivesAVerdictForEachReasonOneGatewayCanShow() throws Exception {
        // Given a device that wrote a record of a new table and pulled past it
        String table = uniqueTable();
        String device = device();
        String record = "r-" + UUID.randomUUID();
        push(device, ops(insert("op-1", table, record, "first")));
        pullUntil(device, table, record, "current");

        // When an administrator asks from the device's page whether the device has it
        open("#/devices/" + device);
        browser().visible(By.cssSelector("a.explain-link")).click();
        browser().visible(By.id("explain-record")).sendKeys(record);
        assertThat(browser().driver().findElement(By.id("explain-table")).getAttribute("value")).isEqualTo(table);
        assertThat(browser().driver().findElement(By.id("explain-device")).getAttribute("value")).isEqualTo(device);
        browser().driver().findElement(By.cssSelector("#explain-form button[type='submit']")).click();

        // Then the verdict is current
        WebElement verdict = verdict(null);
        assertThat(verdict.getAttribute("data-current")).isEqualTo("true");
        assertThat(verdict.getText()).contains("has the current version").contains("Current");

        // When another device changes the record: not pulled
        push(device(), ops(update("op-1", table, record, "second")));
        assertThat(explainInConsole(table, record, device)).contains("Not pulled yet").contains("next pull brings it");
        assertThat(browser().driver().findElement(By.id("verdict")).getAttribute("data-current")).isEqualTo("false");
        browser().screenshot("explain");

        // When the device that never pulled that table is asked about: never pulled
        String other = device();
        push(other, ops(insert("op-1", "todoitem", UUID.randomUUID().toString(), "elsewhere")));
        assertThat(explainInConsole(table, record, other)).contains("Never pulled");

        // When the record is alice's: filtered by owner
        String alices = "alice-" + UUID.randomUUID();
        given().header("Authorization", "Bearer " + TestTokens.token("alice"))
                .contentType(ContentType.JSON)
                .body(pushBody(insert("op-1", table, alices, "alice's")))
                .post("/sync/v1/devices/{d}/push", "alice-" + UUID.randomUUID())
                .then()
                .statusCode(200);
        assertThat(explainInConsole(table, alices, device)).contains("Filtered by owner").contains("alice");

        // When the device's own update of a record that does not exist is parked: parked, with the operation listed
        String missing = "missing-" + UUID.randomUUID();
        push(device, ops(update("op-2", table, missing, "parked")));
        assertThat(explainInConsole(table, missing, device)).contains("Parked").contains("does not exist");
        assertThat(browser().driver()
                .findElements(By.cssSelector("#explain-answer section[aria-labelledby="
                        + "'explain-parked-title'] tbody tr")))
                .hasSize(1);

        // When nothing ever named the record: unknown record
        assertThat(explainInConsole(table, "nothing-" + UUID.randomUUID(), device)).contains("Unknown record");

        // When a record was written and deleted, and its tombstone has gone (as the purge removes it at last)
        String purged = "purged-" + UUID.randomUUID();
        push(device, ops(insert("op-3", table, purged, "short-lived")));
        push(device, ops(NativePush.operation("op-4", table, "delete", purged, null, null)));
        Awaitility.await("central's echo of the delete came back")
                .atMost(Duration.ofSeconds(30))
                .until(() -> count("SELECT count(*) FROM sync_record s WHERE table_name = ? AND id = ? AND deleted"
                        + " AND master_seq = (SELECT c.master_seq FROM central_record c"
                        + " WHERE c.table_name = s.table_name AND c.id = s.id AND c.deleted)", table, purged) == 1);
        execute("DELETE FROM sync_record WHERE table_name = ? AND id = ?", table, purged);
        assertThat(explainInConsole(table, purged, device)).contains("Tombstone purged");

        // When central holds a newer version than this edge (as when the change stream has not delivered it yet)
        String behind = "behind-" + UUID.randomUUID();
        push(device, ops(insert("op-5", table, behind, "edge version")));
        Awaitility.await("the record reached central")
                .atMost(Duration.ofSeconds(30))
                .until(() -> execute("UPDATE central_record SET version = 'newer-at-central',"
                        + " updated_at = updated_at + interval '1 minute' WHERE table_name = ? AND id = ?", table,
                        behind) == 1);
        assertThat(explainInConsole(table, behind, device)).contains("Not arrived");
    }

    @Test
    void explainShowsTheGatewaysProblemForAnUnknownDevice() {
        // When an administrator asks about a device nobody ever used
        open("#/explain?table=todoitem&id=x&device=" + device());

        // Then the problem the gateway answered is shown
        browser().textUntil(By.cssSelector("main .error"), text -> text.contains("404"));
    }

    private void open(String route) {
        browser().open(console + route);
    }

    private long figure(String metric) {
        String text = browser().textUntil(By.cssSelector("[data-metric='" + metric + "']"), t -> !t.isEmpty());
        return text.matches("[0-9]+") ? Long.parseLong(text) : -1;
    }

    private static boolean isZero(String figure) {
        return !figure.matches("[0-9.]+") || Double.parseDouble(figure) == 0;
    }

    private void filterConflicts(String device, String policy, String since) {
        WebElement deviceInput = browser().visible(By.id("filter-device"));
        deviceInput.clear();
        deviceInput.sendKeys(device);
        WebElement policyInput = browser().driver().findElement(By.id("filter-policy"));
        policyInput.clear();
        policyInput.sendKeys(policy);
        WebElement sinceInput = browser().driver().findElement(By.id("filter-since"));
        browser().script("arguments[0].value = arguments[1];", sinceInput, since);
        WebElement status = browser().driver().findElement(By.cssSelector("main p[role='status']"));
        browser().driver().findElement(By.cssSelector("#conflict-filters button[type='submit']")).click();
        browser().until(ExpectedConditions.stalenessOf(status));
        browser().textUntil(By.cssSelector("main p[role='status']"), text -> !text.isEmpty());
    }

    /** Fills the Explain form, submits it, and answers the text of the verdict. */
    private String explainInConsole(String table, String record, String device) {
        if (browser().driver().findElements(By.id("explain-form")).isEmpty()) {
            open("#/explain");
        }
        for (String[] field : List.of(new String[]{"explain-table", table}, new String[]{"explain-record", record},
                new String[]{"explain-device", device})) {
            WebElement input = browser().visible(By.id(field[0]));
            input.clear();
            input.sendKeys(field[1]);
        }
        List<WebElement> previous = browser().driver().findElements(By.id("verdict"));
        browser().driver().findElement(By.cssSelector("#explain-form button[type='submit']")).click();
        return verdict(previous.isEmpty() ? null : previous.get(0)).getText();
    }

    private WebElement verdict(WebElement previous) {
        if (previous != null) {
            browser().until(ExpectedConditions.stalenessOf(previous));
        }
        return browser().visible(By.cssSelector("#verdict[data-reason]"));
    }

    /** Pulls the table as the device until the gateway says the device has the record (the horizon may hold it). */
    private static void pullUntil(String device, String table, String record, String reason) {
        Awaitility.await("device " + device + " has " + record)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    given().queryParam("table", table)
                            .get("/sync/v1/devices/{id}/pull", device)
                            .then()
                            .statusCode(200);
                    return reason.equals(given().queryParam("table", table)
                            .queryParam("id", record)
                            .queryParam("device", device)
                            .get("/admin/explain")
                            .then()
                            .statusCode(200)
                            .extract()
                            .path("reason"));
                });
    }

    private static JsonNode adminJson(String path) throws Exception {
        return JSON.readTree(given().get(path).then().statusCode(200).extract().asString());
    }

    private static int execute(String sql, String... parameters) throws Exception {
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    private static long count(String sql, String... parameters) throws Exception {
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setString(i + 1, parameters[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static String device() {
        return "console-" + UUID.randomUUID();
    }

    private static String uniqueTable() {
        return "con" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static ObjectNode insert(String operationId, String table, String id, String text) {
        return NativePush.operation(operationId, table, "insert", id, JSON.createObjectNode().put("text", text), null);
    }

    private static ObjectNode update(String operationId, String table, String id, String text) {
        return NativePush.operation(operationId, table, "update", id, JSON.createObjectNode().put("text", text), null);
    }

    private static String pushBody(ObjectNode... operations) {
        ObjectNode body = JSON.createObjectNode();
        body.set("operations", ops(operations));
        return body.toString();
    }

    private static Browser browser() {
        return CHROMIUM.browser();
    }
}
