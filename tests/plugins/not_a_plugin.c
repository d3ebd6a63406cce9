/* An ordinary shared library: no loads test symbols. */
__attribute__((visibility("default"))) int not_a_loads_plugin(void) {
    return 42;
}
