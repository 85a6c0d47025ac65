"""Small apps written as a new user of the twilio SDK would write them (for mock_twilio)."""
