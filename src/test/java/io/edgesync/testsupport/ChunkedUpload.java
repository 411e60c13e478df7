package io.edgesync.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A client over a raw socket, as an attacker would write one: it sends a request body with
 * {@code Transfer-Encoding: chunked} (no {@code Content-Length}) and records how much of the body it had written when
 * the gateway answered (a server that buffers the body before it decides answers only after reading it all), or sends
 * from another loopback address (another client, as far as the gateway can tell).
 */
public final class ChunkedUpload {

    private static final int CHUNK = 64 * 1024;

    /** The gateway's answer and how much of the body had been sent by then. */
    public record Answer(int status, Map<String, String> headers, String body, long bytesSentBeforeAnswer,
            boolean bodyFinished) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private ChunkedUpload() {
    }

    /**
     * Sends {@code method path} with the given headers and a chunked body of {@code bodyBytes} bytes (a JSON string
     * member that never ends, so that no parser could act on it early), and reads the answer.
     */
    public static Answer send(int port, String method, String path, Map<String, String> headers, long bodyBytes)
            throws IOException, InterruptedException {
        byte[] plain = new byte[CHUNK];
        Arrays.fill(plain, (byte) 'x');
        byte[] first = plain.clone();
        byte[] opening = "{\"text\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(opening, 0, first, 0, opening.length);
        return exchange(port, method, path, headers, bodyBytes, offset -> offset == 0 ? first : plain);
    }

    /** Sends {@code method path} with the given headers and {@code json} as a chunked body, and reads the answer. */
    public static Answer sendJson(int port, String method, String path, Map<String, String> headers, String json)
            throws IOException, InterruptedException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return exchange(port, method, path, headers, body.length, offset -> Arrays.copyOfRange(body, (int) offset,
                (int) Math.min(body.length, offset + CHUNK)));
    }

    /**
     * Sends a GET without a body from the local address {@code from} (another loopback address is another client to the
     * gateway) and reads the answer.
     */
    public static Answer get(int port, String from, String path, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port, InetAddress.getByName(from), 0)) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            socket.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            return readAnswer(socket.getInputStream(), () -> 0, () -> true);
        }
    }

    /** The next chunk of a body (at most {@link #CHUNK} bytes are sent from it), given the bytes sent so far. */
    private interface Chunks {
        byte[] at(long offset);
    }

    private static Answer exchange(int port, String method, String path, Map<String, String> headers,
            long bodyBytes, Chunks chunks) throws IOException, InterruptedException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\n")
                    .append("Content-Type: application/json\r\n")
                    .append("Transfer-Encoding: chunked\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();

            AtomicLong sent = new AtomicLong();
            AtomicBoolean finished = new AtomicBoolean();
            Thread writer = new Thread(() -> writeBody(out, bodyBytes, chunks, sent, finished), "chunked-upload");
            writer.setDaemon(true);
            writer.start();

            InputStream in = socket.getInputStream();
            Answer answer = readAnswer(in, sent::get, finished::get);
            socket.shutdownOutput();
            writer.join(10_000);
            return answer;
        }
    }

    /** Reads an answer; {@code sent} and {@code finished} tell how far the body was when its status line came. */
    private static Answer readAnswer(InputStream in, LongSupplier sent, BooleanSupplier finished) throws IOException {
        String statusLine = readLine(in);
        long sentWhenAnswered = sent.getAsLong();
        boolean finishedWhenAnswered = finished.getAsBoolean();
        if (statusLine == null) {
            throw new IOException("the gateway closed the connection without an answer after " + sentWhenAnswered
                    + " bytes");
        }
        return readRest(in, statusLine, sentWhenAnswered, finishedWhenAnswered);
    }

    private static Answer readRest(InputStream in, String statusLine, long sent, boolean finished)
            throws IOException {
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> answerHeaders = new LinkedHashMap<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            answerHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        return new Answer(status, answerHeaders, readBody(in, answerHeaders), sent, finished);
    }

    private static void writeBody(OutputStream out, long bodyBytes, Chunks chunks, AtomicLong sent,
            AtomicBoolean finished) {
        try {
            while (sent.get() < bodyBytes) {
                int size = (int) Math.min(CHUNK, bodyBytes - sent.get());
                out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunks.at(sent.get()), 0, size);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                sent.addAndGet(size);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            finished.set(true);
        } catch (IOException e) {
            // The gateway closed the connection: the point of the exercise.
        }
    }

    private static String readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            byte[] body = in.readNBytes(Integer.parseInt(length));
            return new String(body, StandardCharsets.UTF_8);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (String size = readLine(in); size != null; size = readLine(in)) {
                int n = Integer.parseInt(size.trim(), 16);
                if (n == 0) {
                    break;
                }
                body.write(in.readNBytes(n));
                readLine(in);
            }
            return body.toString(StandardCharsets.UTF_8);
        }
        return "";
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.US_ASCII);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }
}
