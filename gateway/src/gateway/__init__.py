"""The gateway: the only public entry of No Wrong Door."""
