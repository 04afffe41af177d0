"""Chapter 9, tools and agents: tools with declared permissions, the agent loop with limits, and
the MCP server and client."""
