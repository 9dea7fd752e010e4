"""What the test proxies share: accept on 127.0.0.1, connect each client to the target port, run the two pumps."""
import asyncio


def serve(listen_port, target_port, pumps):
    """Serves forever. `pumps(client_reader, client_writer, server_reader, server_writer)` returns the coroutines
    that carry one connection's bytes both ways; a client whose target refuses is closed."""

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(*pumps(client_reader, client_writer, server_reader, server_writer))

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
