/** Impressions the demo synthesises: here, apart from the demo, so `mtrank demo --help` shows it cheaply. */
/** 5 days of 140k impressions: the test day then holds about 400 orders (order AUC ± 0.02, not ± 0.1). */
export const DEMO_ROWS = 700_000;
