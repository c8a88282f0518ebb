module glide-c/glidec

go 1.19
