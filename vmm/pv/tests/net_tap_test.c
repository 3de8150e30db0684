// SPDX-License-Identifier: GPL-2.0
#include "tap.h"
int main(void){ return 0; }
