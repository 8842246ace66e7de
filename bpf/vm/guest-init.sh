#!/bin/busybox sh
# guest-init.sh: the /init of the test guest (build-initramfs.sh copies it into the
# initramfs; it runs under busybox, not on the host). It loads the 9p and overlay
# modules, mounts the host's root read-only through 9p (tag hostroot) under a tmpfs
# overlay, mounts proc, sys, dev, cgroup2, bpffs, debugfs, tracefs, tmpfs on /run and
# /dev/shm, and the writable share tagged `out` (if any) on /mnt/out, then runs the
# guest command from the kernel command line in that root and powers off.
# Kernel command line: guestcmd=/abs/script  guestargs=BASE64 (shell-quoted words)
#   guestcwd=BASE64 (working directory)  guestloglevel=N (console loglevel while it runs)
# Prints `GUEST-EXIT rc=N` with the command's exit status; rc=125 if setup failed.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

stop() { # stop RC: report RC to the host and power off
  echo "GUEST-EXIT rc=$1"
  echo 4 >/proc/sys/kernel/printk   # errors only while shutting down
  sync
  umount /newroot/mnt/out 2>/dev/null
  poweroff -f
  sleep 5
}
fail() { echo "guest-init: error: $*"; stop 125; }

# Kernel command line, word by word (no globbing).
set -f
CMD='' ARGS_B64='' CWD_B64='' LOGLEVEL=''
for w in $(cat /proc/cmdline); do
  case $w in
    guestcmd=*) CMD=${w#guestcmd=} ;;
    guestargs=*) ARGS_B64=${w#guestargs=} ;;
    guestcwd=*) CWD_B64=${w#guestcwd=} ;;
    guestloglevel=*) LOGLEVEL=${w#guestloglevel=} ;;
  esac
done
set +f
[ -n "$CMD" ] || fail "no guestcmd= on the kernel command line"

for m in $(cat /lib/mod/order); do
  [ -d "/sys/module/$m" ] || insmod "/lib/mod/$m.ko" || fail "cannot load module $m"
done

mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower ||
  fail "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot ||
  fail "cannot mount the overlay on the host root"

R=/newroot
mnt() { # mnt TYPE DIR [OPTIONS]: mount a fresh TYPE filesystem on $R/DIR
  mkdir -p "$R$2"
  mount -t "$1" ${3:+-o "$3"} "$1" "$R$2" || fail "cannot mount $1 on $2"
}
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mnt devpts /dev/pts newinstance,ptmxmode=0666
mnt tmpfs /dev/shm mode=1777
mnt cgroup2 /sys/fs/cgroup
mnt bpf /sys/fs/bpf
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
# /tmp stays part of the root overlay: the host's /tmp shows through read-only with
# writes kept in the guest, so a checkout under /tmp (a CI clone, say) works in here.
mnt tmpfs /run mode=0755
if cat /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null | tr '\0' '\n' | grep -qx out; then
  mkdir -p $R/mnt/out
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out $R/mnt/out ||
    fail "cannot mount the writable share (9p tag out) on /mnt/out"
  OUT=/mnt/out
fi
ip link set lo up 2>/dev/null
hostname scx-guest

ARGS=
[ -z "$ARGS_B64" ] || ARGS=$(echo "$ARGS_B64" | base64 -d) || fail "bad guestargs="
CWD=/
[ -z "$CWD_B64" ] || CWD=$(echo "$CWD_B64" | base64 -d) || fail "bad guestcwd="
[ -f "$R$CMD" ] || fail "guest command $CMD not found in the guest's root"
if [ -x "$R$CMD" ]; then RUN="'$CMD' $ARGS"; else RUN="sh '$CMD' $ARGS"; fi

read -r up _ </proc/uptime
echo "guest-init: $(uname -r) up after ${up}s; running $CMD"
[ -z "$LOGLEVEL" ] || echo "$LOGLEVEL" >/proc/sys/kernel/printk
chroot $R /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=dumb LANG=C.UTF-8 SCX_VM_GUEST=1 ${OUT:+SCX_VM_OUT=$OUT} \
  /bin/sh -c 'cd "$1" 2>/dev/null || cd /; eval "$2"' guest "$CWD" "$RUN" </dev/null
stop $?
