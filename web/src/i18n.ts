// Thai first, English second: every human-facing string has both; the choice is kept in localStorage.

export type Language = "th" | "en";

const STORAGE_KEY = "citizeninfo.lang";

const messages = {
  "site.name": ["CITIZENinfo", "CITIZENinfo"],
  "site.tagline": ["ข้อมูลจุดให้บริการประชาชน", "Public service points for citizens"],
  "nav.label": ["เมนูหลัก", "Main menu"],
  "nav.search": ["ค้นหา", "Search"],
  "nav.track": ["ติดตามเรื่องร้องเรียน", "Track a complaint"],
  "nav.staff": ["สำหรับเจ้าหน้าที่", "Agency staff"],
  "nav.official": ["ภาพรวมความคืบหน้า", "Progress"],
  "lang.switch": ["English", "ภาษาไทย"],
  "lang.switch.label": ["Switch to English", "เปลี่ยนเป็นภาษาไทย"],
  "skip": ["ข้ามไปยังเนื้อหา", "Skip to content"],
  "footer": [
    "ซอฟต์แวร์เปิด · ไม่เก็บเลขประจำตัวประชาชนหรือที่อยู่ IP ของผู้ใช้",
    "Open software · we never store citizen ids or IP addresses",
  ],
  "loading": ["กำลังโหลด…", "Loading…"],
  "error.unavailable": [
    "ส่วนนี้ยังไม่เปิดให้บริการ กรุณาลองใหม่ภายหลัง",
    "This part is not available yet; please try again later.",
  ],
  "error.generic": ["เกิดข้อผิดพลาด", "Something went wrong"],
  "error.network": ["เชื่อมต่อระบบไม่ได้ กรุณาลองใหม่", "Cannot reach the system; please try again."],
  "error.signin.required": ["กรุณาเข้าสู่ระบบก่อน", "Please sign in first."],
  "notfound.title": ["ไม่พบหน้าที่ต้องการ", "Page not found"],
  "notfound.back": ["กลับหน้าค้นหา", "Back to search"],

  "search.title": ["ค้นหาจุดให้บริการ", "Find a service point"],
  "search.query": ["ชื่อหน่วยงาน บริการ หรือสถานที่", "Office, service or place"],
  "search.province": ["จังหวัด", "Province"],
  "search.province.any": ["ทุกจังหวัด", "All provinces"],
  "search.district": ["อำเภอ/เขต", "District"],
  "search.district.any": ["ทุกอำเภอ/เขต", "All districts"],
  "search.district.first": ["เลือกจังหวัดก่อน", "Choose a province first"],
  "search.district.unavailable": ["โหลดรายชื่ออำเภอไม่ได้", "Districts could not be loaded"],
  "search.area": ["พื้นที่ (ไม่บังคับ)", "Area (optional)"],
  "search.submit": ["ค้นหา", "Search"],
  "search.near": ["ใกล้ฉัน", "Near me"],
  "search.near.busy": ["กำลังหาตำแหน่งของคุณ…", "Finding your location…"],
  "search.near.denied": [
    "ไม่ได้รับอนุญาตให้ใช้ตำแหน่ง ลองค้นหาด้วยชื่อแทน",
    "Location permission was refused; search by name instead.",
  ],
  "search.results": ["ผลการค้นหา", "Results"],
  "search.count": ["พบ {n} แห่ง", "{n} found"],
  "search.none": ["ไม่พบจุดให้บริการ", "No service points found"],
  "search.distance": ["ห่าง {d}", "{d} away"],
  "search.map": ["แผนที่จุดให้บริการ", "Map of service points"],
  "map.notiles": [
    "โหลดแผนที่พื้นหลังไม่ได้ — ยังแสดงจุดให้บริการได้ตามปกติ",
    "Map background unavailable — service points are still shown.",
  ],
  "overview.title": ["ความคืบหน้าทั่วประเทศ", "Nationwide progress"],
  "overview.points": ["จุดให้บริการ", "Service points"],
  "overview.pinned": ["ปักหมุดแล้ว", "Pinned"],
  "overview.surveyed": ["ตอบแบบสำรวจแล้ว", "Surveyed"],
  "overview.cancelled": ["ยกเลิกสำเนาแล้ว", "Copies cancelled"],
  "overview.ratings": ["คะแนนจากประชาชน", "Citizen ratings"],

  "point.address": ["ที่อยู่", "Address"],
  "point.province": ["จังหวัด", "Province"],
  "point.notpinned": ["หน่วยงานยังไม่ได้ปักหมุดตำแหน่ง", "The agency has not pinned this location yet"],
  "point.directions": ["เส้นทาง", "Directions"],
  "point.directions.google": ["เปิดใน Google Maps", "Open in Google Maps"],
  "point.directions.apple": ["เปิดใน Apple Maps", "Open in Apple Maps"],
  "point.services": ["บริการ", "Services"],
  "point.steps": ["ขั้นตอน", "Steps"],
  "point.documents": ["เอกสารที่ต้องใช้", "Required documents"],
  "point.copies": ["ยังเรียกสำเนาเอกสารหรือไม่", "Are photocopies still demanded?"],
  "point.copies.agency": ["หน่วยงานแจ้ง", "The agency says"],
  "point.copies.citizens": ["ประชาชนแจ้ง", "Citizens report"],
  "point.copies.citizens.n": [
    "{asked} จาก {n} คนบอกว่าถูกเรียกสำเนา",
    "{asked} of {n} were asked for a copy",
  ],
  "point.copies.mismatch": [
    "หน่วยงานแจ้งว่ายกเลิกแล้ว แต่ประชาชนยังถูกเรียกสำเนา",
    "The agency says copies are cancelled, but citizens were still asked for them",
  ],
  "point.score": ["ความพึงพอใจ", "Satisfaction"],
  "point.score.value": ["คะแนน {score} จาก 5", "{score} out of 5"],
  "point.score.n": ["จาก {n} ความเห็น", "from {n} ratings"],
  "point.score.interval": ["ช่วงความเชื่อมั่น 95%: {low}–{high}", "95% interval: {low}–{high}"],
  "point.score.few": [
    "ยังมีความเห็นน้อยเกินไปที่จะสรุปคะแนน",
    "Too few ratings for a fair score yet",
  ],
  "point.score.verified": ["จากผู้มาใช้บริการจริง {n} ความเห็น", "{n} from verified visits"],
  "point.rate": ["ให้คะแนนและความเห็น", "Rate and comment"],
  "point.complain": ["ร้องเรียน", "File a complaint"],

  "status.required": ["ยังเรียกสำเนา", "Copies still required"],
  "status.in_progress": ["กำลังยกเลิก", "Being phased out"],
  "status.cancelled": ["ยกเลิกสำเนาแล้ว", "Copies cancelled"],
  "status.unsurveyed": ["หน่วยงานยังไม่ได้ตอบแบบสำรวจ", "The agency has not answered the survey"],
  "copy.id_card_copy": ["สำเนาบัตรประจำตัวประชาชน", "ID card copy"],
  "copy.house_registration_copy": ["สำเนาทะเบียนบ้าน", "House registration copy"],

  "rate.title": ["ให้คะแนนการบริการ", "Rate the service"],
  "rate.verified": [
    "คุณมาใช้บริการที่นี่จริง ความเห็นของคุณจะแสดงว่ายืนยันแล้ว",
    "Your visit is confirmed: your rating will show as verified",
  ],
  "rate.score": ["ความพึงพอใจโดยรวม", "Overall satisfaction"],
  "rate.score.1": ["1 — ไม่พอใจมาก", "1 — very dissatisfied"],
  "rate.score.2": ["2 — ไม่พอใจ", "2 — dissatisfied"],
  "rate.score.3": ["3 — พอใช้", "3 — fair"],
  "rate.score.4": ["4 — พอใจ", "4 — satisfied"],
  "rate.score.5": ["5 — พอใจมาก", "5 — very satisfied"],
  "rate.service": ["บริการที่ใช้ (ไม่บังคับ)", "Service used (optional)"],
  "rate.service.any": ["ไม่ระบุ", "Not specified"],
  "rate.copy": ["คุณถูกเรียกสำเนาเอกสารหรือไม่", "Were you asked for a photocopy?"],
  "rate.copy.yes": ["ถูกเรียก", "Yes"],
  "rate.copy.no": ["ไม่ถูกเรียก", "No"],
  "rate.copy.unknown": ["ไม่ระบุ", "Prefer not to say"],
  "rate.comment": ["ความเห็น (ไม่บังคับ ไม่เกิน 1,000 ตัวอักษร)", "Comment (optional, up to 1,000 characters)"],
  "rate.comment.hint": [
    "ไม่ต้องใส่เลขบัตรประชาชน เบอร์โทร หรืออีเมล — ระบบจะลบออกให้",
    "Do not include id numbers, phone numbers or e-mail — they are removed",
  ],
  "rate.submit": ["ส่งความเห็น", "Send rating"],
  "rate.thanks": ["ขอบคุณสำหรับความเห็น", "Thank you for your rating"],
  "rate.thanks.verified": ["ยืนยันการมาใช้บริการแล้ว", "Verified visit"],
  "rate.thanks.unverified": ["ความเห็นทั่วไป (ไม่ได้ยืนยันการมาใช้บริการ)", "General rating (visit not verified)"],
  "rate.used": ["ลิงก์นี้ถูกใช้ให้คะแนนไปแล้ว", "This link has already been used for a rating"],

  "complaint.title": ["ร้องเรียน", "File a complaint"],
  "complaint.category": ["เรื่อง", "Subject"],
  "complaint.description": ["รายละเอียด", "What happened"],
  "complaint.consent": [
    "ยินยอมให้หน่วยงานติดต่อกลับ",
    "I agree that the agency may contact me",
  ],
  "complaint.phone": ["เบอร์โทรศัพท์", "Phone"],
  "complaint.email": ["อีเมล", "E-mail"],
  "complaint.submit": ["ส่งเรื่องร้องเรียน", "Send complaint"],
  "complaint.filed": ["รับเรื่องแล้ว รหัสติดตามของคุณคือ", "Received. Your tracking code is"],
  "complaint.keep": ["เก็บรหัสนี้ไว้เพื่อติดตามเรื่อง", "Keep this code to follow your complaint"],
  "category.asked_for_copy": ["ถูกเรียกสำเนาเอกสาร", "Asked for a photocopy"],
  "category.waiting_time": ["รอนานเกินไป", "Waited too long"],
  "category.staff_conduct": ["พฤติกรรมเจ้าหน้าที่", "Staff conduct"],
  "category.wrong_information": ["ข้อมูลไม่ถูกต้อง", "Wrong or unclear information"],
  "category.fees": ["ค่าธรรมเนียมไม่เหมาะสม", "Unexpected fees"],
  "category.corruption": ["ทุจริตหรือเรียกรับสินบน", "Corruption or bribery"],
  "category.facilities": ["สถานที่และสิ่งอำนวยความสะดวก", "Premises and facilities"],
  "category.other": ["อื่น ๆ", "Other"],
  "track.title": ["ติดตามเรื่องร้องเรียน", "Track a complaint"],
  "track.code": ["รหัสติดตาม", "Tracking code"],
  "track.submit": ["ตรวจสอบ", "Check"],
  "track.status": ["สถานะ", "Status"],
  "track.history": ["ความเคลื่อนไหว", "History"],
  "complaint.status.received": ["รับเรื่องแล้ว", "Received"],
  "complaint.status.forwarded": ["ส่งต่อหน่วยงานแล้ว", "Forwarded to the agency"],
  "complaint.status.in_progress": ["กำลังดำเนินการ", "In progress"],
  "complaint.status.resolved": ["ดำเนินการแล้ว", "Resolved"],
  "complaint.status.closed": ["ปิดเรื่อง", "Closed"],
  "complaint.status.rejected": ["ไม่รับเรื่อง", "Rejected"],
  "track.notfound": ["ไม่พบเรื่องร้องเรียนตามรหัสนี้", "No complaint has this tracking code"],

  "signin.title": ["เข้าสู่ระบบเจ้าหน้าที่", "Staff sign-in"],
  "signin.username": ["ชื่อผู้ใช้", "Username"],
  "signin.password": ["รหัสผ่าน", "Password"],
  "signin.submit": ["เข้าสู่ระบบ", "Sign in"],
  "signin.failed": ["ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password"],
  "signout": ["ออกจากระบบ", "Sign out"],
  "staff.title": ["จุดให้บริการของหน่วยงาน", "Your department's service points"],
  "staff.signedin": ["เข้าสู่ระบบในชื่อ {user}", "Signed in as {user}"],
  "staff.department": ["รหัสหน่วยงาน", "Department id"],
  "staff.show": ["แสดง", "Show"],
  "staff.point": ["จุดให้บริการ", "Service point"],
  "staff.pin": ["หมุด", "Pin"],
  "staff.survey": ["แบบสำรวจ", "Survey"],
  "staff.pinned": ["ปักหมุดแล้ว", "Pinned"],
  "staff.notpinned": ["ยังไม่ปักหมุด", "Not pinned"],
  "staff.surveyed": ["ตอบแล้ว", "Answered"],
  "staff.notsurveyed": ["ยังไม่ตอบ", "Not answered"],
  "staff.actions": ["ดำเนินการ", "Actions"],
  "staff.do.pin": ["ปักหมุด", "Pin"],
  "staff.do.survey": ["ตอบแบบสำรวจ", "Answer survey"],
  "staff.do.feedback": ["ความเห็น", "Feedback"],
  "staff.do.counter": ["อ่านบัตร", "Card reader"],
  "staff.open": ["เปิดจุดให้บริการด้วยรหัส", "Open a service point by id"],
  "staff.open.id": ["รหัสจุดให้บริการ", "Service point id"],
  "staff.open.go": ["เปิด", "Open"],
  "pin.title": ["ปักหมุดตำแหน่ง", "Pin the location"],
  "pin.help": [
    "คลิกบนแผนที่ตรงตำแหน่งที่ตั้งของจุดให้บริการ หรือใช้ตำแหน่งของอุปกรณ์",
    "Click the map where the service point is, or use this device's location",
  ],
  "pin.device": ["ใช้ตำแหน่งของอุปกรณ์", "Use this device's location"],
  "pin.lat": ["ละติจูด", "Latitude"],
  "pin.lon": ["ลองจิจูด", "Longitude"],
  "pin.accuracy": ["ความแม่นยำ ±{m} เมตร", "Accuracy ±{m} m"],
  "pin.save": ["บันทึกหมุด", "Save pin"],
  "pin.saved": ["บันทึกหมุดแล้ว", "Pin saved"],
  "pin.flags": ["ข้อสังเกต", "Notes"],
  "pin.current": ["ตำแหน่งปัจจุบัน", "Current location"],
  "survey.title": ["แบบสำรวจความพร้อมยกเลิกสำเนาเอกสาร", "No-Copy readiness survey"],
  "survey.mou": ["มีบันทึกข้อตกลง (MOU) กับกรมการปกครองแล้ว", "Has an MOU with DOPA (linkage centre)"],
  "survey.readers": ["จำนวนเครื่องอ่านบัตร", "Number of card readers"],
  "survey.services": ["การเรียกสำเนาแยกตามบริการ", "Copies demanded, per service"],
  "survey.obstacles": ["อุปสรรค", "Obstacles"],
  "survey.obstacle.detail": ["รายละเอียด", "Details"],
  "survey.save": ["ส่งแบบสำรวจ", "Submit survey"],
  "survey.saved": ["บันทึกแบบสำรวจแล้ว", "Survey saved"],
  "survey.noservices": ["จุดนี้ยังไม่มีรายการบริการในคู่มือประชาชน", "No services listed for this point"],
  "obstacle.law": ["กฎหมาย", "Law"],
  "obstacle.policy": ["นโยบาย", "Policy"],
  "obstacle.budget": ["งบประมาณ", "Budget"],
  "obstacle.it_linkage": ["การเชื่อมโยงระบบ IT", "IT linkage"],
  "obstacle.personnel": ["บุคลากร", "Personnel"],
  "obstacle.other": ["อื่น ๆ", "Other"],
  "feedback.title": ["ความเห็นของประชาชน", "Citizens' feedback"],
  "feedback.none": ["ยังไม่มีความเห็น", "No feedback yet"],
  "feedback.reply": ["ตอบกลับ", "Reply"],
  "feedback.reply.send": ["ส่งคำตอบ", "Send reply"],
  "feedback.replied": ["หน่วยงานตอบ", "Agency reply"],
  "feedback.verified": ["ยืนยันการมาใช้บริการ", "Verified visit"],
  "counter.title": ["อ่านบัตรประชาชนที่เคาน์เตอร์", "Read an ID card at the counter"],
  "counter.reader": ["เครื่องอ่านบัตร", "Card reader"],
  "counter.noreaders": ["ยังไม่มีเครื่องอ่านบัตรที่จุดนี้", "No card readers at this point yet"],
  "counter.start": ["รออ่านบัตร", "Wait for a card"],
  "counter.waiting": ["กรุณาเสียบบัตรประชาชน…", "Insert the ID card…"],
  "counter.read": ["อ่านบัตรแล้ว", "Card read"],
  "counter.failed": ["อ่านบัตรไม่สำเร็จ", "Reading failed"],
  "counter.card.present": ["มีบัตรเสียบอยู่", "card inserted"],
  "counter.visit": ["ลิงก์ให้คะแนนสำหรับผู้มาใช้บริการ", "Rating link for the citizen"],
  "card.citizen_id_masked": ["เลขประจำตัวประชาชน", "Citizen id"],
  "card.name_th": ["ชื่อ (ไทย)", "Name (Thai)"],
  "card.name_en": ["ชื่อ (อังกฤษ)", "Name (English)"],
  "card.birth_date": ["วันเกิด", "Date of birth"],
  "card.gender": ["เพศ", "Gender"],
  "card.address_th": ["ที่อยู่", "Address"],
  "card.issue_date": ["วันออกบัตร", "Issued"],
  "card.expiry_date": ["วันหมดอายุ", "Expires"],

  // Agency staff at scale (issue 23): the department list, pin checks, the inbox, other departments.
  "stafflist.search": ["ค้นหาชื่อหรือรหัสจุดให้บริการ", "Search by name or point id"],
  "stafflist.pinned": ["หมุด", "Pin"],
  "stafflist.surveyed": ["แบบสำรวจ", "Survey"],
  "stafflist.any": ["ทั้งหมด", "All"],
  "stafflist.submit": ["ค้นหา", "Search"],
  "stafflist.clear": ["ล้างตัวกรอง", "Clear filters"],
  "stafflist.count": ["แสดง {from}–{to} จาก {total} จุด", "Showing {from}–{to} of {total} points"],
  "stafflist.count.all": ["ทั้งหน่วยงานมี {n} จุด", "{n} points in the department"],
  "stafflist.none": ["ไม่พบจุดให้บริการตามเงื่อนไขนี้", "No service points match"],
  "stafflist.pages": ["เลือกหน้า", "Pages"],
  "stafflist.page": ["หน้า {page} จาก {pages}", "Page {page} of {pages}"],
  "stafflist.prev": ["หน้าก่อน", "Previous page"],
  "stafflist.next": ["หน้าถัดไป", "Next page"],
  "stafflist.inbox": ["ความเห็นและเรื่องร้องเรียนของหน่วยงาน", "The department's feedback and complaints"],
  "stafflist.flagged": ["หมุดมีข้อสังเกต", "Pin needs checking"],
  "foreign.title": ["จุดให้บริการนี้เป็นของหน่วยงานอื่น", "This service point belongs to another department"],
  "foreign.detail": [
    "จุดนี้อยู่ในหน่วยงาน {department} คุณแก้ไขได้เฉพาะจุดให้บริการของหน่วยงานของคุณ ({mine})",
    "It belongs to department {department}; you may change only your own department's points ({mine}).",
  ],
  "foreign.back": ["กลับไปยังจุดให้บริการของหน่วยงานคุณ", "Back to your department's points"],
  "foreign.public": ["ดูหน้าข้อมูลสาธารณะของจุดนี้", "See this point's public page"],
  "pin.area": ["แผนที่เปิดที่ {area} — ตำแหน่งของจุดนี้ตามทะเบียน", "The map opens on {area}, where the register places this point"],
  "pin.checking": ["กำลังตรวจสอบตำแหน่ง…", "Checking the place…"],
  "pin.doubt.title": ["ตรวจสอบก่อนบันทึก: ตำแหน่งนี้น่าสงสัย", "Check before saving: this place looks wrong"],
  "pin.doubt.confirm": ["ยืนยัน ตำแหน่งนี้ถูกต้อง บันทึกหมุด", "Yes, this place is right: save the pin"],
  "pin.doubt.change": ["เลือกตำแหน่งใหม่", "Choose another place"],
  "pin.doubt.distance": ["ห่างจากอำเภอ/เขตของจุดนี้ประมาณ {km} กม.", "About {km} km from the point's district"],
  "pin.saved.flagged": ["บันทึกหมุดแล้ว แต่มีข้อสังเกต", "Pin saved, but check this"],
  "pinflag.outside_thailand": ["ตำแหน่งนี้อยู่นอกประเทศไทย (หรือกลางทะเล)", "This place is outside Thailand (or out at sea)"],
  "pinflag.far_from_district": [
    "ตำแหน่งนี้อยู่ไกลจากอำเภอ/เขตของจุดให้บริการ",
    "This place is far from the service point's district",
  ],
  "pinflag.possible_duplicate": [
    "มีจุดให้บริการอื่นของหน่วยงานปักหมุดไว้ใกล้ตำแหน่งนี้มาก (อาจซ้ำกัน)",
    "Another point of the department is pinned very close by (a possible duplicate)",
  ],
  "pinflag.low_accuracy": ["ตำแหน่งจากอุปกรณ์คลาดเคลื่อนได้มากกว่า 100 เมตร", "The device's location may be more than 100 m off"],
  "inbox.title": ["ความเห็นและเรื่องร้องเรียนของหน่วยงาน", "Feedback and complaints for the department"],
  "inbox.point": ["จุดให้บริการ", "Service point"],
  "inbox.point.any": ["ทุกจุดของหน่วยงาน", "Every point of the department"],
  "inbox.kind": ["ประเภท", "Kind"],
  "inbox.kind.any": ["ทั้งความเห็นและเรื่องร้องเรียน", "Ratings and complaints"],
  "inbox.kind.rating": ["ความเห็น", "Ratings"],
  "inbox.kind.complaint": ["เรื่องร้องเรียน", "Complaints"],
  "inbox.show": ["แสดง", "Show"],
  "inbox.count": ["แสดง {from}–{to} จาก {total} รายการ", "Showing {from}–{to} of {total}"],
  "inbox.none": ["ยังไม่มีความเห็นหรือเรื่องร้องเรียน", "No ratings or complaints yet"],
  "inbox.rating": ["ความเห็น", "Rating"],
  "inbox.complaint": ["เรื่องร้องเรียน", "Complaint"],
  "inbox.contact": ["ติดต่อผู้ร้องเรียน", "Complainant's contact"],
  "inbox.protected": [
    "เพื่อคุ้มครองผู้ร้องเรียน ไม่แสดงข้อมูลที่ระบุตัวผู้ร้อง และแสดงเวลาเป็นรายชั่วโมง",
    "To protect the complainant, nothing that identifies them is shown and times are to the hour",
  ],

  "official.title": ["ความคืบหน้าการปักหมุดและการยกเลิกสำเนาเอกสาร", "Progress of pins and No-Copy"],
  "official.ministry": ["กระทรวง", "Ministry"],
  "official.ministry.id": ["รหัสกระทรวง", "Ministry id"],
  "official.show": ["แสดงตาราง", "Show table"],
  "official.department": ["หน่วยงาน", "Department"],
  "official.total": ["รวมทั้งสิ้น", "Total"],
  "official.download.csv": ["ดาวน์โหลด CSV", "Download CSV"],
  "official.download.xlsx": ["ดาวน์โหลด XLSX", "Download XLSX"],
  "official.provinces": ["รายจังหวัด", "By province"],
  "official.province": ["จังหวัด", "Province"],
  "official.points": ["จุดให้บริการของหน่วยงาน", "The department's service points"],
  "official.satisfaction": ["ความพึงพอใจตามช่วงเวลา", "Satisfaction over time"],
  "official.reconciliation": [
    "จุดที่แจ้งว่ายกเลิกสำเนาแล้ว แต่ประชาชนยังถูกเรียก",
    "Points that say copies are cancelled while citizens are still asked",
  ],
  "official.reconciliation.none": ["ไม่พบจุดที่ขัดแย้งกัน", "No conflicting points"],
  "official.reports": ["รายงานจากประชาชน", "Citizen reports"],
  "col.service_points": ["จำนวนจุดบริการ", "Service points"],
  "col.pinned": ["ปักหมุดแล้ว", "Pinned"],
  "col.not_pinned": ["ยังไม่ปักหมุด", "Not pinned"],
  "col.copy_cancelled": ["ยกเลิกสำเนาแล้ว", "Copies cancelled"],
  "col.copy_not_cancelled": ["ยังไม่ยกเลิก", "Not cancelled"],
  "col.copy_in_progress": ["อยู่ระหว่างดำเนินการ", "In progress"],
  "col.surveyed": ["ตอบแบบสำรวจแล้ว", "Surveyed"],
  "col.not_surveyed": ["ยังไม่ตอบแบบสำรวจ", "Not surveyed"],
  "chart.average": ["คะแนนเฉลี่ย", "Average score"],
  "chart.count": ["จำนวนความเห็น", "Ratings"],

  // Officials' pages (issue 23): names, shares, sorting, breadcrumbs, ranking, downloads, errors.
  "official.nation": ["ทั้งประเทศ", "Nationwide"],
  "official.breadcrumbs": ["ตำแหน่งของหน้านี้", "You are here"],
  "official.sort.hint": ["กดที่หัวคอลัมน์เพื่อเรียงลำดับ", "Select a column heading to sort by it"],
  "official.sort.ascending": ["เรียงจากน้อยไปมาก", "sorted ascending"],
  "official.sort.descending": ["เรียงจากมากไปน้อย", "sorted descending"],
  "col.pinned_share": ["ร้อยละที่ปักหมุดแล้ว", "% pinned"],
  "col.copy_cancelled_share": ["ร้อยละที่ยกเลิกสำเนาแล้ว", "% copies cancelled"],
  "col.surveyed_share": ["ร้อยละที่ตอบแบบสำรวจแล้ว", "% surveyed"],
  "official.point.pin": ["การปักหมุด", "Pin"],
  "official.point.survey": ["แบบสำรวจ", "Survey"],
  "official.point.copy": ["การเรียกสำเนา", "Photocopies"],
  "official.province.unknown": ["ไม่ทราบจังหวัด", "Unknown province"],
  "official.paging": ["แสดงรายการที่ {from}–{to} จากทั้งหมด {n} รายการ", "Showing {from}–{to} of {n}"],
  "official.paging.previous": ["หน้าก่อน", "Previous page"],
  "official.paging.next": ["หน้าถัดไป", "Next page"],
  "official.download.fields": ["CSV สำหรับโปรแกรม (ชื่อฟิลด์)", "CSV for software (field names)"],
  "official.day": ["วันที่", "Day"],
  "official.satisfaction.gaps": [
    "วันที่ไม่มีความเห็นเว้นเป็นช่องว่าง ไม่ได้ลากเส้นเชื่อมข้าม",
    "Days without ratings are left as gaps; the line does not join across them",
  ],
  "official.ranking": ["อันดับความพึงพอใจ 30 วันล่าสุด", "Satisfaction ranking, last 30 days"],
  "official.ranking.caveat": [
    "คะแนนที่เป็นธรรมถ่วงเข้าหาค่าเฉลี่ยทั้งประเทศ หน่วยที่มีความเห็นน้อยจึงได้คะแนนใกล้ค่าเฉลี่ยและมีช่วงความเชื่อมั่นกว้าง หน่วยที่มีความเห็นไม่ถึง {min} รายการไม่ได้รับอันดับ",
    "The fair score is pulled toward the national average: units with few ratings score close to it and have a wide interval. Units with fewer than {min} ratings get no rank.",
  ],
  "official.ranking.rank": ["อันดับ", "Rank"],
  "official.ranking.unit": ["หน่วย", "Unit"],
  "official.ranking.fair": ["คะแนนที่เป็นธรรม (ช่วง 95%)", "Fair score (95% interval)"],
  "official.ranking.mean": ["ค่าเฉลี่ยธรรมดา", "Plain average"],
  "official.ranking.few": ["น้อยเกินไปที่จะสรุป", "Too few to conclude"],
  "official.ranking.none": ["ยังไม่มีความเห็นในช่วงนี้", "No ratings in this period"],
  "official.reconciliation.latest": ["รายงานล่าสุด", "Latest report"],
  "official.error.notfound": [
    "ไม่พบหน่วยงานตามรหัสนี้ในบัญชีหน่วยงาน กรุณาตรวจสอบรหัส",
    "Nothing in the catalogue has this id; please check it",
  ],
  "official.error.unavailable": [
    "ระบบสถิติยังไม่พร้อมชั่วคราว กรุณาลองใหม่อีกครั้ง",
    "The statistics are unavailable for a moment; please try again",
  ],
  "official.error.input": ["ข้อมูลที่ระบุไม่ถูกต้อง กรุณาตรวจสอบ", "That input is not valid; please check it"],
  "official.error.other": ["โหลดข้อมูลส่วนนี้ไม่สำเร็จ", "This part could not be loaded"],
  "official.retry": ["ลองใหม่", "Try again"],
  "official.back.nation": ["กลับไปภาพรวมทั้งประเทศ", "Back to the national overview"],
  // Funnel plot of satisfaction (issue 22, officials).
  "funnel.title": ["กราฟกรวยความพึงพอใจ 30 วันล่าสุด", "Satisfaction funnel plot, last 30 days"],
  "funnel.explain": [
    "แต่ละเครื่องหมายคือหนึ่งหน่วย: สัดส่วนความเห็นที่พึงพอใจ (คะแนน 4–5) เทียบกับจำนวนความเห็น เส้นโค้งคือขอบเขตควบคุม 95% และ 99.8% รอบค่าของทั้งประเทศ เฉพาะหน่วยที่อยู่นอกเส้นจึงต่างจากทั้งประเทศเกินกว่าความบังเอิญ",
    "Each mark is a unit: its share of satisfied ratings (score 4–5) against its number of ratings. The curves are 95% and 99.8% control limits around the national share; only a unit outside them differs from the nation by more than chance.",
  ],
  "funnel.axis.x": ["จำนวนความเห็น (สเกลลอการิทึม)", "Number of ratings (log scale)"],
  "funnel.axis.y": ["สัดส่วนผู้พึงพอใจ (คะแนน 4–5)", "Share satisfied (score 4–5)"],
  "funnel.target": ["ค่าของทั้งประเทศ {p}", "National share {p}"],
  "funnel.limit95": ["ขอบเขต 95%", "95% limits"],
  "funnel.limit998": ["ขอบเขต 99.8%", "99.8% limits"],
  "funnel.legend": ["คำอธิบายสัญลักษณ์", "Legend"],
  "funnel.summary": [
    "กราฟกรวย {n} หน่วย: สูงกว่าทั้งประเทศ {above} หน่วย ต่ำกว่า {below} หน่วย ค่าของทั้งประเทศ {target} ตัวเลขเดียวกันอยู่ในตารางถัดไป",
    "Funnel plot of {n} units: {above} above the nation, {below} below, national share {target}. The table that follows has the same figures.",
  ],
  "funnel.point": ["{name}: พึงพอใจ {value} จาก {n} ความเห็น — {class}", "{name}: {value} satisfied of {n} ratings — {class}"],
  "funnel.focus.hint": ["ชี้หรือกด Tab ไปที่เครื่องหมายเพื่อดูรายละเอียด", "Point at or tab to a mark for its details"],
  "funnel.overdispersion": [
    "ค่าการกระจายเกิน φ = {phi} (ถ้ามากกว่า 1 มาก หน่วยต่างกันเกินความบังเอิญ จึงอาจมีหน่วยอยู่นอกขอบเขตมากเกินจริง)",
    "Overdispersion φ = {phi} (well above 1: units differ more than chance allows, so more are flagged than truly differ)",
  ],
  "funnel.table": [
    "กราฟกรวยในรูปตาราง: หน่วย จำนวนความเห็น สัดส่วนผู้พึงพอใจ และการจัดกลุ่ม",
    "The funnel plot as a table: unit, ratings, share satisfied and classification",
  ],
  "funnel.col.unit": ["หน่วย", "Unit"],
  "funnel.col.value": ["สัดส่วนผู้พึงพอใจ", "Share satisfied"],
  "funnel.col.class": ["การจัดกลุ่ม", "Classification"],
  "funnel.class.above_99_8": ["สูงกว่าทั้งประเทศชัดเจน (เกินขอบเขต 99.8%)", "Clearly above the nation (beyond the 99.8% limit)"],
  "funnel.class.above_95": ["สูงกว่าทั้งประเทศ (เกินขอบเขต 95%)", "Above the nation (beyond the 95% limit)"],
  "funnel.class.within": ["ไม่ต่างจากทั้งประเทศ (อยู่ในขอบเขต)", "Within the limits (no clear difference)"],
  "funnel.class.below_95": ["ต่ำกว่าทั้งประเทศ (ต่ำกว่าขอบเขต 95%)", "Below the nation (beyond the 95% limit)"],
  "funnel.class.below_99_8": ["ต่ำกว่าทั้งประเทศชัดเจน (ต่ำกว่าขอบเขต 99.8%)", "Clearly below the nation (beyond the 99.8% limit)"],
  "funnel.trend": ["แนวโน้มทั้งประเทศ 30 วัน", "National trend, 30 days"],
  "funnel.trend.summary": [
    "สัดส่วนผู้พึงพอใจรายวันของทั้งประเทศ 30 วันล่าสุด: มีความเห็น {days} วัน ล่าสุด {last} วันที่ไม่มีความเห็นเว้นว่างไว้",
    "The nation's daily share satisfied over the last 30 days: {days} days with ratings, latest {last}. Days without ratings are left as gaps.",
  ],
  "funnel.trend.table": ["แนวโน้มในรูปตาราง", "The trend as a table"],

  // Citizens' pages (issue 23): search by service and place, copy answer per service, score, errors.
  "citizen.search.hint": [
    "พิมพ์บริการที่ต้องการและสถานที่ เช่น “ทำบัตรประชาชน เชียงใหม่” หรือ “ใบขับขี่ กทม”",
    "Type the service you need and a place, e.g. “ID card Chiang Mai” or “driving licence Bangkok”",
  ],
  "citizen.search.examples": ["ลองค้นหา", "Try"],
  "citizen.search.count": ["พบ {n} แห่ง", "{n} found"],
  "citizen.search.count.more": ["พบมากกว่า {n} แห่ง", "More than {n} found"],
  "citizen.search.shown": ["แสดง {shown} จาก {n} แห่ง", "Showing {shown} of {n}"],
  "citizen.search.more": ["แสดงผลเพิ่ม", "Show more results"],
  "citizen.search.understood.service": ["บริการ: {s}", "Service: {s}"],
  "citizen.search.understood.place": ["พื้นที่: {p}", "Area: {p}"],
  "citizen.search.understood.near": ["ใกล้ตำแหน่งของคุณ (ไม่เกิน {d})", "Near you (within {d})"],
  "citizen.search.none.hint": [
    "ลองพิมพ์ชื่อบริการให้สั้นลง หรือเอาชื่อสถานที่ออก",
    "Try fewer words for the service, or leave out the place",
  ],
  "citizen.result.agency": ["หน่วยงาน: {a}", "Agency: {a}"],
  "citizen.result.area": ["พื้นที่: {a}", "Area: {a}"],
  "citizen.result.copy": ["สำเนาเอกสาร: {s}", "Photocopies: {s}"],
  "citizen.result.copy.unknown": ["ยังไม่ทราบ", "not known yet"],
  "citizen.result.copy.agency": ["(หน่วยงานแจ้ง)", "(the agency's answer)"],
  "citizen.result.reports": [
    "ผู้มาใช้บริการแจ้งว่าถูกเรียกสำเนา {asked} จาก {n} ความเห็น",
    "Visitors: asked for a copy in {asked} of {n} ratings",
  ],
  "citizen.result.reports.conflict": ["ไม่ตรงกับที่หน่วยงานแจ้ง", "not what the agency says"],
  "citizen.result.score": ["ความพึงพอใจ: {s}", "Satisfaction: {s}"],
  "citizen.result.score.value": ["{score} จาก 5 · {n} ความเห็น", "{score} out of 5 · {n} ratings"],
  "citizen.result.score.few": ["{n} ความเห็น — ยังน้อยเกินไปที่จะสรุป", "{n} ratings — too few for a score yet"],
  "citizen.result.score.unknown": ["ยังไม่ทราบ", "not known yet"],
  "citizen.result.notpinned": ["ยังไม่ได้ปักหมุดตำแหน่ง", "location not pinned yet"],
  "service.id_card": ["บัตรประจำตัวประชาชน", "ID card"],
  "service.moving_house": ["แจ้งย้ายที่อยู่", "Moving house"],
  "service.birth": ["แจ้งการเกิด", "Birth registration"],
  "service.marriage": ["จดทะเบียนสมรส", "Marriage registration"],
  "service.name_change": ["เปลี่ยนชื่อ", "Change of name"],
  "service.passport": ["หนังสือเดินทาง", "Passport"],
  "service.driving_licence": ["ใบอนุญาตขับรถ", "Driving licence"],
  "service.land_title": ["โฉนดที่ดิน", "Land title"],
  "citizen.copy.title": ["ต้องนำสำเนาเอกสารไปไหม", "Do I need to bring photocopies?"],
  "citizen.copy.none.listed": [
    "ไม่ต้องใช้สำเนาบัตรประชาชนหรือสำเนาทะเบียนบ้าน",
    "No copy of your ID card or house registration is needed",
  ],
  "citizen.copy.not.needed": [
    "ไม่ต้องนำสำเนาไป — หน่วยงานยกเลิกการเรียกสำเนาแล้ว แสดงบัตรประชาชนตัวจริงแทน",
    "No photocopies needed — the agency has stopped asking for them; show your ID card instead",
  ],
  "citizen.copy.bring": ["นำสำเนาไปด้วย: {docs}", "Bring photocopies: {docs}"],
  "citizen.copy.bring.in_progress": [
    "หน่วยงานกำลังยกเลิกการเรียกสำเนา แต่ตอนนี้ยังอาจถูกขอ",
    "The agency is phasing copies out, but may still ask for them for now",
  ],
  "citizen.copy.bring.unsurveyed": [
    "หน่วยงานยังไม่ได้แจ้งว่ายกเลิกสำเนา",
    "The agency has not said it stopped asking for copies",
  ],
  "citizen.copy.cancelled.reason": [
    "ไม่ต้องใช้แล้ว — หน่วยงานยกเลิกการเรียกสำเนา (แจ้งเมื่อ {date})",
    "not needed — the agency stopped asking for it (reported {date})",
  ],
  "citizen.copy.evidence": [
    "ผู้มาใช้บริการ {asked} จาก {n} คนที่ตอบบอกว่าถูกเรียกสำเนา",
    "{asked} of {n} visitors who answered were asked for a copy",
  ],
  "citizen.copy.evidence.point": [
    "ทุกบริการของจุดนี้: ผู้มาใช้บริการ {asked} จาก {n} คนที่ตอบบอกว่าถูกเรียกสำเนา",
    "All services here: {asked} of {n} visitors who answered were asked for a copy",
  ],
  "citizen.copy.conflict": [
    "แต่ยังมีผู้มาใช้บริการถูกเรียกสำเนา หากคุณถูกเรียก ร้องเรียนได้",
    "Yet some visitors were still asked for a copy. If you are asked, you can complain",
  ],
  "citizen.score.value": ["{score} จาก 5", "{score} out of 5"],
  "citizen.score.range": [
    "คะแนนที่แท้จริงน่าจะอยู่ระหว่าง {low} ถึง {high} (ยิ่งมีความเห็นมาก ช่วงนี้ยิ่งแคบ)",
    "The true score is most likely between {low} and {high} (the more ratings, the narrower this range)",
  ],
  "citizen.score.few": [
    "มีความเห็น {n} รายการ — ยังน้อยเกินไปที่จะสรุปคะแนน",
    "{n} ratings so far — too few to give a fair score yet",
  ],
  "citizen.score.none": ["ยังไม่มีผู้ให้คะแนน", "No ratings yet"],
  "citizen.score.early": ["ค่าเฉลี่ยเบื้องต้น {mean} จาก 5", "Early average {mean} out of 5"],
  "citizen.score.updating": ["กำลังปรับคะแนนตามความเห็นของคุณ…", "Adding your rating to the score…"],
  "citizen.complaint.choose": ["— เลือกเรื่องที่ต้องการร้องเรียน —", "— Choose what the complaint is about —"],
  "citizen.error.point.notfound": ["ไม่พบจุดให้บริการนี้", "This service point was not found"],
  "citizen.error.point.notfound.detail": [
    "ลิงก์อาจไม่ถูกต้องหรือจุดให้บริการถูกนำออกแล้ว",
    "The link may be wrong, or the service point was removed",
  ],
  "citizen.error.invalid": ["ข้อมูลที่กรอกไม่ถูกต้อง กรุณาตรวจสอบอีกครั้ง", "Something you entered is not valid; please check it"],
  "citizen.error.busy": ["มีผู้ใช้งานมาก กรุณารอสักครู่แล้วลองใหม่", "Too many requests; please wait a moment and try again"],
  "citizen.error.down": ["ระบบขัดข้องชั่วคราว กรุณาลองใหม่ภายหลัง", "The system is having trouble; please try again later"],
  "citizen.error.generic": ["เกิดข้อผิดพลาด กรุณาลองใหม่", "Something went wrong; please try again"],
  "citizen.error.back": ["กลับไปหน้าค้นหา", "Back to search"],

  // Offline queue for staff in the field (issue 22)
  "offline.title": ["รายการที่รอส่ง", "Waiting to be sent"],
  "offline.status.offline": [
    "ไม่มีสัญญาณ (ออฟไลน์) — สิ่งที่บันทึกจะเก็บไว้ในเครื่องนี้ และส่งให้เองเมื่อกลับมาออนไลน์",
    "Offline — what you save is kept on this phone and sent by itself once you are back online",
  ],
  "offline.status.online": ["ออนไลน์ — รายการที่รอจะส่งให้เอง", "Online — waiting items are sent by themselves"],
  "offline.empty": ["ส่งครบแล้ว ไม่มีรายการรอส่ง", "All sent: nothing is waiting"],
  "offline.kind.pin": ["ปักหมุด", "Pin"],
  "offline.kind.survey": ["แบบสำรวจความพร้อม", "Readiness survey"],
  "offline.since": ["บันทึกเมื่อ {date}", "Saved {date}"],
  "offline.attempts": ["ลองส่งแล้ว {n} ครั้ง", "Tried {n} times"],
  "offline.state.waiting": ["รอส่ง", "Waiting"],
  "offline.state.sending": ["กำลังส่ง…", "Sending…"],
  "offline.state.signin": ["ต้องเข้าสู่ระบบอีกครั้ง แล้วจะส่งให้เอง", "Sign in again, then it is sent"],
  "offline.state.conflict": [
    "มีผู้อื่นปักหมุดจุดนี้ใหม่ระหว่างนั้น — ยังไม่ได้บันทึกหมุดของคุณ",
    "Someone re-pinned this point meanwhile — your pin was not saved",
  ],
  "offline.state.refused": ["ระบบไม่รับรายการนี้", "The system refused this"],
  "offline.other": ["ของบัญชี {user}: จะส่งเมื่อบัญชีนั้นเข้าสู่ระบบ", "Of account {user}: sent when that account signs in"],
  "offline.yours": ["หมุดของคุณ", "Your pin"],
  "offline.basedon": ["หมุดที่คุณเห็นตอนปักหมุด", "The pin you saw when pinning"],
  "offline.basedon.none": ["ยังไม่มีหมุด", "Not pinned yet"],
  "offline.current": ["หมุดปัจจุบัน (ของผู้อื่น)", "The current pin (someone else's)"],
  "offline.pin.by": ["โดย {user} เมื่อ {date}", "by {user}, {date}"],
  "offline.sendanyway": ["ส่งหมุดของฉันแทนหมุดปัจจุบัน", "Send mine anyway (replaces the current pin)"],
  "offline.discard": ["ทิ้งรายการนี้", "Discard this"],
  "offline.retry": ["ส่งตอนนี้", "Send now"],
  "offline.signin": ["เข้าสู่ระบบเพื่อส่ง", "Sign in to send"],
  "offline.sent": ["ส่งรายการที่รอไว้แล้ว {n} รายการ", "{n} waiting items sent"],
  "offline.kept": [
    "ไม่มีสัญญาณ: บันทึกไว้ในเครื่องนี้แล้ว จะส่งให้เองเมื่อกลับมาออนไลน์",
    "No signal: kept on this phone, sent by itself once back online",
  ],
  "offline.kept.point": ["ไม่มีสัญญาณ: แสดงข้อมูลที่เครื่องนี้เก็บไว้เมื่อ {date}", "Offline: showing what this phone kept on {date}"],
  "offline.nopoint": [
    "ไม่มีสัญญาณ และเครื่องนี้ยังไม่ได้เก็บข้อมูลจุดนี้ไว้ (เปิดรายการจุดของหน่วยงานขณะมีสัญญาณก่อน)",
    "Offline, and this phone has not kept this point (open your department's list with signal first)",
  ],
  "offline.conflict.now": [
    "มีผู้อื่นปักหมุดจุดนี้ใหม่หลังจากที่คุณเปิดหน้านี้ จึงยังไม่ได้บันทึก — เลือกได้ในรายการที่รอส่ง",
    "Someone re-pinned this point after you opened this page, so it was not saved — choose in the waiting list",
  ],
  "offline.signin.now": [
    "การเข้าสู่ระบบหมดอายุ: เก็บไว้ในเครื่องแล้ว เข้าสู่ระบบอีกครั้งแล้วจะส่งให้เอง",
    "Your sign-in expired: kept on this phone; sign in again and it is sent",
  ],
  // Complaint deadlines and reopening (issue 22).
  "complaint.status.reopened": ["เปิดเรื่องใหม่", "Reopened"],
  "track.due": ["กำหนดตอบภายใน", "Answer due by"],
  "track.overdue": ["เกินกำหนดตอบแล้ว", "Past the time for an answer"],
  "reopen.title": ["ยังไม่พอใจคำตอบ? เปิดเรื่องนี้ใหม่", "Not satisfied with the answer? Reopen this complaint"],
  "reopen.reason": ["เหตุผลที่ขอเปิดเรื่องใหม่", "Why you are reopening it"],
  "reopen.hint": [
    "เปิดใหม่ได้ภายใน {until} (เหลือ {left} ครั้ง) — ไม่ต้องใส่เลขบัตรประชาชน เบอร์โทร หรืออีเมล",
    "You can reopen it until {until} ({left} left) — do not include id numbers, phone numbers or e-mail",
  ],
  "reopen.submit": ["เปิดเรื่องใหม่", "Reopen complaint"],
  "reopen.done": ["เปิดเรื่องใหม่แล้ว หน่วยงานจะตอบอีกครั้ง", "Reopened: the agency will answer again"],
  "reopen.refused.window_passed": [
    "พ้นกำหนด 14 วันหลังได้รับคำตอบแล้ว จึงเปิดเรื่องใหม่ไม่ได้ โปรดยื่นเรื่องร้องเรียนใหม่",
    "More than 14 days have passed since the answer, so it cannot be reopened; please file a new complaint",
  ],
  "reopen.refused.too_many_reopens": [
    "เรื่องนี้เปิดใหม่ครบจำนวนครั้งแล้ว โปรดยื่นเรื่องร้องเรียนใหม่",
    "This complaint was reopened as often as allowed; please file a new complaint",
  ],
  "reopen.refused.not_answered": [
    "เรื่องนี้ยังไม่ได้รับคำตอบ จึงยังเปิดใหม่ไม่ได้",
    "This complaint has not been answered yet, so it cannot be reopened",
  ],
  "inbox.overdue": ["เกินกำหนด", "Overdue"],
  "inbox.late": ["ช้า {days} วัน {hours} ชั่วโมง", "{days} d {hours} h late"],
  "inbox.due": ["กำหนดตอบ", "Due"],
  "inbox.overdue.filter": ["เฉพาะเรื่องที่เกินกำหนด", "Overdue complaints only"],
  "inbox.overdue.count": ["เรื่องร้องเรียนเกินกำหนด {count} เรื่อง (แสดงก่อน)", "{count} overdue complaints (shown first)"],
  "deadlines.title": ["เรื่องร้องเรียนค้างตอบ", "Complaints awaiting an answer"],
  "deadlines.summary": ["ค้างตอบ {open} เรื่อง เกินกำหนด {overdue} เรื่อง", "{open} open, {overdue} overdue"],
  "deadlines.unit.department": ["หน่วยงาน", "Department"],
  "deadlines.unit.ministry": ["กระทรวง", "Ministry"],
  "deadlines.open": ["ค้างตอบ", "Open"],
  "deadlines.overdue": ["เกินกำหนด", "Overdue"],
  "deadlines.none": ["ไม่มีเรื่องร้องเรียนค้างตอบ", "No complaints awaiting an answer"],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof messages;

let current: Language = readStoredLanguage();

function readStoredLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "th";
  } catch {
    return "th";
  }
}

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private browsing may refuse storage; the choice then lasts for this page only.
  }
  document.documentElement.lang = next;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = messages[key][current === "th" ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function hasMessage(key: string): key is MessageKey {
  return key in messages;
}

/** Thai digits stay Arabic (as government tables print them); grouping follows the language. */
export function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString(current === "th" ? "th-TH" : "en-GB", {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

export function formatDistance(metres: number): string {
  return metres < 1000
    ? `${formatNumber(Math.round(metres))} ${current === "th" ? "ม." : "m"}`
    : `${formatNumber(metres / 1000, 1)} ${current === "th" ? "กม." : "km"}`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(current === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** A record's name in the chosen language, falling back to Thai (the catalogue's own language). */
export function localName(item: { name_th?: string | null; name_en?: string | null }): string {
  return (current === "en" && item.name_en) || item.name_th || item.name_en || "";
}
