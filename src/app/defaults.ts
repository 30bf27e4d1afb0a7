/** Impressions the demo synthesises: here, apart from the demo, so `mtrank demo --help` shows it cheaply. */
export const DEMO_ROWS = 400_000;
