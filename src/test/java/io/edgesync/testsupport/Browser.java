package io.edgesync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for the browser tests, driven through the system's chromedriver (Debian packages
 * {@code chromium} and {@code chromium-driver}). Both are named explicitly so that Selenium never looks for, or
 * downloads, a browser or a driver of its own. Each instance has a fresh profile in a temporary directory, removed on
 * {@link #close()}.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where {@link #screenshot(String)} writes, one PNG per page. */
    public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    public static final int WIDTH = 1280;
    public static final int HEIGHT = 800;
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /** Skips the calling test, saying what to install, when Chromium or its driver is missing. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Browser tests skipped: they need " + CHROMIUM + " and " + CHROMEDRIVER
                        + ", from the Debian packages chromium and chromium-driver"
                        + " (apt-get install -y chromium chromium-driver)");
    }

    /** Starts a headless Chromium with a window of 1280x800; skips the test when it is not installed. */
    public static Browser start() {
        assumeInstalled();
        Path profile;
        try {
            profile = Files.createTempDirectory("edgesync-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=" + WIDTH + "," + HEIGHT);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
        driver.manage().window().setSize(new Dimension(WIDTH, HEIGHT));
        return new Browser(service, driver, profile);
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** Runs {@code script} in the page ({@code arguments[0]}... are {@code args}), and answers its result. */
    public Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /** Changes the page's location hash (a console route) without reloading the page. */
    public void route(String hash) {
        driver.executeScript("window.location.hash = arguments[0];", hash);
    }

    /** Reloads the current page (the console keeps its token in session storage across reloads). */
    public void reload() {
        driver.navigate().refresh();
    }

    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Waits until an element is visible, and answers it. */
    public WebElement visible(By locator) {
        return until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    /** Waits until {@code condition} answers something other than null or false, and answers that. */
    public <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(this::browserLog)
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    /** Waits until the visible text of an element satisfies {@code test}, and answers that text. */
    public String textUntil(By locator, java.util.function.Predicate<String> test) {
        return until(d -> {
            List<WebElement> found = d.findElements(locator);
            if (found.isEmpty()) {
                return null;
            }
            String text = found.get(0).getText();
            return test.test(text) ? text : null;
        });
    }

    /** Saves what the window shows as {@code target/console-screenshots/<page>.png}, and answers the file. */
    public Path screenshot(String page) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(page + ".png");
            Path taken = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(taken, target, StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(taken);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page's console messages so far (errors of scripts, failed requests), for failure messages. */
    public String browserLog() {
        try {
            List<LogEntry> entries = driver.manage().logs().get(LogType.BROWSER).getAll();
            return entries.isEmpty()
                    ? "(the browser logged nothing)"
                    : entries.stream()
                            .map(entry -> entry.getLevel() + " " + entry.getMessage())
                            .collect(Collectors.joining("\n", "browser log:\n", ""));
        } catch (RuntimeException e) {
            return "(no browser log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    /**
     * One browser for all the tests of a class, registered with {@code @RegisterExtension}: started before the first
     * (or the class is skipped when Chromium is missing), closed after the last.
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {

        private Browser browser;

        public Browser browser() {
            return browser;
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            browser = Browser.start();
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (browser != null) {
                browser.close();
                browser = null;
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a profile left in the temporary directory is harmless
        }
    }
}
