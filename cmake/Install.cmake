# cmake/Install.cmake — what `cmake --install` lays out (FHS; see README "Install"):
#   bin/tlspath, share/man/man1/tlspath.1, SYSCONFDIR/tlspath/config.json (the built-in
#   defaults written out; the binary reads it when --config is absent),
#   share/tlspath/{mde.json,report.schema.json,examples/*.json},
#   lib/systemd/system/{tlspath.service,tlspath.timer,tlspath-serve.service}.
# SYSCONFDIR is absolute (CMAKE_INSTALL_FULL_SYSCONFDIR: /etc for prefix /usr), so DESTDIR
# still applies and a /usr install does not write /usr/etc.
set(TLSPATH_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where the systemd units are installed")
set(TLSPATH_BIN "${CMAKE_INSTALL_FULL_BINDIR}/tlspath")

install(TARGETS tlspath RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
configure_file(man/tlspath.1.in ${CMAKE_CURRENT_BINARY_DIR}/man/tlspath.1 @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/man/tlspath.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES config/default.json DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tlspath
        RENAME config.json)
install(FILES endpoints/mde.json docs/report.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/tlspath)
install(FILES config/default.json config/proxy-audit.json config/scheduled.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tlspath/examples)

foreach(unit tlspath.service tlspath-serve.service)
  configure_file(systemd/${unit}.in ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit} @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit} DESTINATION ${TLSPATH_SYSTEMD_UNITDIR})
endforeach()
install(FILES systemd/tlspath.timer DESTINATION ${TLSPATH_SYSTEMD_UNITDIR})
