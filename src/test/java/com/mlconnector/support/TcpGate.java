package com.mlconnector.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder in front of a server (the machine's PostgreSQL), that a test can close like a database
 * going away (every connection dropped, new ones refused) and open again on the same port, without touching the
 * server itself, which other tests share.
 */
public final class TcpGate implements AutoCloseable {
    private final int target;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket listener;

    public TcpGate(int target) throws IOException {
        this.target = target;
        ServerSocket s = bind(0);
        this.port = s.getLocalPort();
        serve(s);
    }

    public int port() {
        return port;
    }

    /** The server is gone: every connection through the gate is cut, and new ones are refused until {@link #open()}. */
    public synchronized void cut() throws IOException {
        ServerSocket s = listener;
        listener = null;
        if (s != null) {
            s.close();
        }
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /** The server is back, on the same port. */
    public synchronized void open() throws IOException {
        if (listener == null) {
            serve(bind(port));
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    private void serve(ServerSocket s) {
        listener = s;
        Thread accept = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                    open.add(client);
                    open.add(server);
                    pump(client, server);
                    pump(server, client);
                } catch (IOException e) {
                    return; // closed by cut()
                }
            }
        }, "tcp-gate-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-gate-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
