// Entry point: wiring only (see src/app).
int main() { return 0; }
