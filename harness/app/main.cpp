#include "app/cli.hpp"

int main(int argc, char** argv) { return mailspec::app::main(argc, argv); }
