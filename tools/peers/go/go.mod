module cadre/tools/peers/go

go 1.19
