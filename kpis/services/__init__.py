"""Services are the only writers; forms, API, Excel imports and commands all call them."""
