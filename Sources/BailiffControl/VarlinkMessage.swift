// Varlink protocol: messages, server, client.
